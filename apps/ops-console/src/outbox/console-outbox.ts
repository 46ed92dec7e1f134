// The console's own events (plan decisions) are written to console_outbox in the same transaction
// as the decision, then published by the relay below with the event id as Nats-Msg-Id, so a crash
// between the two neither loses nor duplicates a decision.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { randomUUID } from 'node:crypto';
import { JetStreamGateway } from '../stream-watch/jetstream-gateway';

export interface ConsoleEvent {
  /** Contract subject, e.g. `ops.skara.plan.approved` (the namespace is added on publish). */
  subject: string;
  /** `se.skolkonto.ops.plan.approved.v1` */
  type: string;
  tenant: string;
  entity: string;
  data: Record<string, unknown>;
}

/** Adds the event to the outbox inside `tx`; returns its id. */
export async function addToOutbox(tx: Prisma.TransactionClient, event: ConsoleEvent, now = new Date()): Promise<string> {
  const id = randomUUID();
  const envelope = {
    id,
    source: '/skolkonto/ops-console',
    specversion: '1.0',
    type: event.type,
    subject: event.entity,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: event.data,
    tenant: event.tenant,
  };
  await tx.consoleOutbox.create({ data: { eventId: id, subject: event.subject, payload: envelope as Prisma.InputJsonValue } });
  return id;
}

const POLL_MS = 250;

@Injectable()
export class ConsoleOutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsoleOutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly gateway: JetStreamGateway,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Publishes what is pending now (called after a decision so it goes out without waiting for the poll). */
  kick(): void {
    this.running ??= this.relay().finally(() => (this.running = undefined));
  }

  private async relay(): Promise<void> {
    const pending = await this.prisma.consoleOutbox.findMany({ where: { publishedAt: null }, orderBy: { id: 'asc' }, take: 100 });
    for (const row of pending) {
      try {
        await this.gateway.publish(row.subject, new TextEncoder().encode(JSON.stringify(row.payload)), row.eventId);
        await this.prisma.consoleOutbox.update({ where: { id: row.id }, data: { publishedAt: new Date(), attempts: { increment: 1 } } });
      } catch (error) {
        await this.prisma.consoleOutbox.update({
          where: { id: row.id },
          data: { attempts: { increment: 1 }, lastError: (error as Error).message.slice(0, 500) },
        });
        this.logger.warn(`outbox event ${row.eventId} not published yet: ${(error as Error).message}`);
        return; // keep order: try again on the next tick
      }
    }
  }
}
