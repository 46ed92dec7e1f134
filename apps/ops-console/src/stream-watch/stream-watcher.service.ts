// Feeds everything the console shows: one ordered consumer per stream, each message turned into an
// ObservedEvent, handed to the projections (plans, timeline), counted, and pushed to live viewers.
// Where each stream was read to is checkpointed in the console's own table, so a restart resumes
// where it stopped without any durable consumer on the server; the very first start reads new only.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { Subject } from 'rxjs';
import { Inject } from '@nestjs/common';
import { ConsoleConfig } from '../config';
import { consoleMetrics } from '../console-metrics';
import { ThroughputCounter } from '../live-view/throughput-counter';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { JetStreamGateway, StartFrom } from './jetstream-gateway';
import { ObservedEvent, toObservedEvent, WATCHED_STREAMS, WatchedStream } from './observed-event';

export interface Projection {
  project(event: ObservedEvent): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
const CHECKPOINT_EVERY_MS = 1000;

@Injectable()
export class StreamWatcherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StreamWatcherService.name);
  readonly events = new Subject<ObservedEvent>();
  readonly throughput = new ThroughputCounter();
  private readonly pendingCheckpoints = new Map<WatchedStream, number>();
  private readonly started = new Set<WatchedStream>();
  private readyResolve!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly gateway: JetStreamGateway,
    private readonly prisma: PrismaClient,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Resolves once every stream has a consumer (tests wait for it before publishing). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  onApplicationBootstrap(): void {
    for (const stream of WATCHED_STREAMS) {
      void this.gateway.watch(
        stream,
        () => this.startFor(stream),
        (raw) => this.handle(toObservedEvent(raw, (this.config.NATS_NAMESPACE ?? ''))),
        () => this.markReading(stream),
      );
    }
    this.timer = setInterval(() => void this.flushCheckpoints(), CHECKPOINT_EVERY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushCheckpoints();
    this.events.complete();
  }

  private async startFor(stream: WatchedStream): Promise<StartFrom> {
    const checkpoint = await this.prisma.consoleStreamCheckpoint.findUnique({ where: { stream: this.gateway.streamName(stream) } });
    return checkpoint ? { kind: 'after', sequence: Number(checkpoint.sequence) } : { kind: 'new' };
  }

  private markReading(stream: WatchedStream): void {
    this.started.add(stream);
    if (this.started.size === WATCHED_STREAMS.length) this.readyResolve();
  }

  private async handle(event: ObservedEvent): Promise<void> {
    // Live viewers first: the projections' database writes must not delay what operators see.
    this.throughput.record(event.tenant, event.domain, Date.parse(event.time) || Date.now());
    this.events.next(event);
    consoleMetrics.observed(event.stream);
    for (const projection of this.projections) {
      try {
        await projection.project(event);
      } catch (error) {
        // A projection failure must not stop the live view; the event stays visible and is logged by id only.
        this.logger.error(`projection ${projection.constructor.name} failed for ${event.stream}#${event.streamSequence}: ${(error as Error).message}`);
      }
    }
    this.pendingCheckpoints.set(event.stream, event.streamSequence);
  }

  private async flushCheckpoints(): Promise<void> {
    const entries = [...this.pendingCheckpoints];
    this.pendingCheckpoints.clear();
    for (const [stream, sequence] of entries) {
      const name = this.gateway.streamName(stream);
      await this.prisma.consoleStreamCheckpoint
        .upsert({ where: { stream: name }, create: { stream: name, sequence }, update: { sequence } })
        .catch((error: unknown) => this.logger.warn(`checkpoint ${name} not saved: ${(error as Error).message}`));
    }
  }
}
