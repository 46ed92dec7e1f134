// Feeds everything the console shows: one ordered consumer per stream, each message turned into an
// ObservedEvent, handed to the projections (plans, timeline), counted, and pushed to live viewers.
// Where each stream was read to is checkpointed in the console's own table, so a restart resumes
// where it stopped without any durable consumer on the server; the very first start reads new only.
// The per-minute counts are saved in the same transaction as the checkpoints and restored at boot.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { Subject } from 'rxjs';
import { Inject } from '@nestjs/common';
import { ConsoleConfig } from '../config';
import { consoleMetrics } from '../console-metrics';
import { ThroughputCounter } from '../live-view/throughput-counter';
import { ThroughputRepository } from '../live-view/throughput.repository';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { JetStreamGateway, StartFrom } from './jetstream-gateway';
import { ObservedEvent, toObservedEvent, WATCHED_STREAMS, WatchedStream } from './observed-event';

export interface Projection {
  /** Called for each event in stream order; may only buffer what it writes. */
  project(event: ObservedEvent): Promise<void>;
  /**
   * Writes what project() buffered. Called before every checkpoint save, which waits for it: a
   * rejection keeps the checkpoints back, so a restart reads those events again.
   */
  flush?(): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
const CHECKPOINT_EVERY_MS = 1000;
const PRUNE_EVERY_MS = 10 * 60_000;

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
  private lastPrune = 0;
  private flushing?: Promise<void>;

  constructor(
    private readonly gateway: JetStreamGateway,
    private readonly prisma: PrismaClient,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly throughputHistory: ThroughputRepository,
  ) {}

  /** Resolves once every stream has a consumer (tests wait for it before publishing). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before the first event is counted, so restored minutes and new events add up.
    try {
      this.throughput.load(await this.throughputHistory.load(Date.now()));
    } catch (error) {
      this.logger.warn(`throughput history not loaded: ${(error as Error).message}`);
    }
    for (const stream of WATCHED_STREAMS) {
      void this.gateway.watch(
        stream,
        () => this.startFor(stream),
        (raw) => this.handle(toObservedEvent(raw, (this.config.NATS_NAMESPACE ?? ''))),
        () => this.markReading(stream),
      );
    }
    this.timer = setInterval(() => void this.flush(), CHECKPOINT_EVERY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
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
    // Counted together with the checkpoint, so a saved count never includes an event that a
    // restart reads again.
    this.throughput.record(event.tenant, event.domain, Date.parse(event.time) || Date.now());
    this.pendingCheckpoints.set(event.stream, event.streamSequence);
  }

  /** One at a time: a slow database must not let two flushes write the same minutes out of order. */
  private flush(): Promise<void> {
    this.flushing = (this.flushing ?? Promise.resolve()).then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const entries = [...this.pendingCheckpoints];
    this.pendingCheckpoints.clear();
    const minutes = this.throughput.takeChanged();
    // Every event up to these checkpoints was handed to the projections; what they buffered of it
    // must be written before the checkpoints are, or a restart would skip it.
    const unflushed = await this.flushProjections();
    if (unflushed) {
      this.logger.warn(`checkpoints and throughput not saved: ${unflushed} could not write its batch`);
      this.keep(entries, minutes);
    } else if (entries.length || minutes.length) {
      const statements: Array<Prisma.PrismaPromise<unknown>> = entries.map(([stream, sequence]) => {
        const name = this.gateway.streamName(stream);
        return this.prisma.consoleStreamCheckpoint.upsert({ where: { stream: name }, create: { stream: name, sequence }, update: { sequence } });
      });
      if (minutes.length) statements.push(this.throughputHistory.saveStatement(minutes));
      try {
        await this.prisma.$transaction(statements);
      } catch (error) {
        this.logger.warn(`checkpoints and throughput not saved: ${(error as Error).message}`);
        this.keep(entries, minutes);
      }
    }
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.throughputHistory.prune(Date.now()).catch((error: unknown) => this.logger.warn(`throughput history not pruned: ${(error as Error).message}`));
    }
  }

  /** Flushes every projection that buffers; returns the name of the first that failed, if any. */
  private async flushProjections(): Promise<string | undefined> {
    let failed: string | undefined;
    for (const projection of this.projections) {
      if (!projection.flush) continue;
      try {
        await projection.flush();
      } catch {
        // The projection logged it (without the batch's personal data) and keeps the batch.
        failed ??= projection.constructor.name;
      }
    }
    return failed;
  }

  /** Kept for the next flush; a newer checkpoint set meanwhile wins. */
  private keep(entries: Array<[WatchedStream, number]>, minutes: ReturnType<ThroughputCounter['takeChanged']>): void {
    for (const [stream, sequence] of entries) if (!this.pendingCheckpoints.has(stream)) this.pendingCheckpoints.set(stream, sequence);
    this.throughput.restoreChanged(minutes);
  }
}
