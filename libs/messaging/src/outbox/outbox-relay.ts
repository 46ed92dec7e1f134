// Publishes the app's outbox to JetStream: oldest row first, one relay per table at a time (the
// store locks), woken by NOTIFY or a short poll, backing off while NATS is unreachable. A row that
// was published but not marked (crash) is published again and absorbed by Nats-Msg-Id de-duplication.
import { Logger } from '@nestjs/common';
import type { CloudEvent } from '@skolkonto/contracts';
import type { EventPublisher } from '../publisher/event-publisher';
import { backoffDelay } from '../messaging-options';

export interface OutboxRecord {
  readonly id: string;
  readonly eventId: string;
  readonly subject: string;
  readonly event: CloudEvent;
  readonly headers: Record<string, string>;
  readonly attempts: number;
}

/** Implemented by libs/persistence (SqlOutboxStore); messaging never sees the database client. */
export interface OutboxStore {
  relayBatch(
    limit: number,
    publish: (record: OutboxRecord) => Promise<void>,
  ): Promise<{ published: number; locked: boolean; waitingForGap?: boolean; failed?: { id: string; error: string } }>;
  waitForRows(timeoutMs: number): Promise<void>;
  interrupt(): void;
}

export interface OutboxRelayOptions {
  readonly batchSize?: number;
  /** Poll interval when no NOTIFY arrives. Default 1 s. */
  readonly pollMs?: number;
  /** Backoff after a failed publish, doubled up to maxBackoffMs. */
  readonly backoffBaseMs?: number;
  readonly maxBackoffMs?: number;
}

export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private running = false;
  private loop?: Promise<void>;
  private failures = 0;
  private publishedTotal = 0;
  private waitingForGap = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  get published(): number {
    return this.publishedTotal;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.store.interrupt();
    await this.loop;
  }

  /** One batch now (tests, or a manual flush). */
  async relayOnce(): Promise<number> {
    const result = await this.store.relayBatch(this.options.batchSize ?? 100, (record) => this.publish(record));
    this.publishedTotal += result.published;
    this.waitingForGap = result.waitingForGap === true;
    if (result.failed) throw new Error(result.failed.error);
    return result.published;
  }

  private async publish(record: OutboxRecord): Promise<void> {
    await this.publisher.publishEvent(record.event, record.subject, record.headers);
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000;
    while (this.running) {
      let wait = pollMs;
      try {
        const n = await this.relayOnce();
        this.failures = 0;
        if (n > 0) continue; // maybe more
      } catch (error) {
        this.failures++;
        wait = backoffDelay(this.failures, this.options.backoffBaseMs ?? 200, this.options.maxBackoffMs ?? 5000);
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.logger.warn({ failures: this.failures, msg: `outbox publish failed, retrying in ${wait} ms: ${(error as Error).message}` });
        }
        await sleep(wait, () => !this.running);
        continue;
      }
      // Held back by an id that is still committing: look again soon even without a NOTIFY.
      if (this.running) await this.store.waitForRows(this.waitingForGap ? Math.min(wait, 100) : wait);
    }
  }
}

async function sleep(ms: number, cancelled: () => boolean): Promise<void> {
  const step = 50;
  for (let waited = 0; waited < ms && !cancelled(); waited += step) await new Promise((r) => setTimeout(r, Math.min(step, ms - waited)));
}
