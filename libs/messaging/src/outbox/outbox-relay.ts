// Publishes the app's outbox to JetStream: oldest row first, one relay per table at a time (the
// store locks), woken by NOTIFY or a short poll, backing off while NATS is unreachable. A row that
// was published but not marked (crash) is published again and absorbed by Nats-Msg-Id de-duplication.
//
// A claimed batch goes out with many publishes in flight on one connection (JetStream stores one
// connection's messages in the order they were sent), then the leading acked rows are marked in one
// UPDATE. To keep a failure in the middle from letting later rows overtake it, every publish after
// the first one to a stream in a batch carries Nats-Expected-Last-Msg-Id = the previous row's event
// id for that stream: if a row is lost, rejected or refused by contract validation (never sent), the
// stream refuses the rows chained behind it, and the next round sends them again in id order.
import { Logger } from '@nestjs/common';
import type { CloudEvent } from '@skolkonto/contracts';
import type { EventPublisher, PublishResult } from '../publisher/event-publisher';
import { backoffDelay } from '../messaging-options';

export interface OutboxRecord {
  readonly id: string;
  readonly eventId: string;
  readonly subject: string;
  readonly event: CloudEvent;
  readonly headers: Record<string, string>;
  readonly attempts: number;
}

/** What the relay reports for a batch handed to it by the store. */
export interface OutboxBatchOutcome {
  /** How many leading records (in id order) are in the stream; the store marks exactly these. */
  readonly published: number;
  /** The first record that failed, when the failure is worth recording and backing off for. */
  readonly failed?: { readonly id: string; readonly error: string };
}

/** Implemented by libs/persistence (SqlOutboxStore); messaging never sees the database client. */
export interface OutboxStore {
  /**
   * Claims up to `limit` unpublished rows in id order, hands them to `publish` at once, marks the
   * `published` leading rows and records the failure. Rows after the first failure stay unpublished.
   */
  relayBatch(
    limit: number,
    publish: (records: readonly OutboxRecord[]) => Promise<OutboxBatchOutcome>,
  ): Promise<{ published: number; locked: boolean; waitingForGap?: boolean; failed?: { id: string; error: string } }>;
  waitForRows(timeoutMs: number): Promise<void>;
  interrupt(): void;
}

export interface OutboxRelayOptions {
  readonly batchSize?: number;
  /** Publishes awaiting their ack at once within a batch. Default 256; 1 publishes one by one. */
  readonly maxInFlight?: number;
  /** Poll interval when no NOTIFY arrives. Default 1 s. */
  readonly pollMs?: number;
  /** Backoff after a failed publish, doubled up to maxBackoffMs. */
  readonly backoffBaseMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * At stop, how long the relay may keep publishing rows written just before it (by the last
   * handlers of a shutdown). Default 5 s; 0 stops after the batch in progress.
   */
  readonly finalFlushMs?: number;
}

export const HEADER_EXPECTED_LAST_MSG_ID = 'Nats-Expected-Last-Msg-Id';
/** JetStream's error code for a Nats-Expected-Last-Msg-Id that is not the stream's last id. */
const WRONG_LAST_MSG_ID = 10070;

type Outcome = { ok: true } | { ok: false; error: unknown };

export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private running = false;
  private loop?: Promise<void>;
  private failures = 0;
  private publishedTotal = 0;
  private waitingForGap = false;
  /** Stream of each (un-namespaced) subject, learnt from acks; streams do not move between subjects. */
  private readonly streamOfSubject = new Map<string, string>();

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

  /**
   * Ends the loop after the batch in progress, then publishes what is still waiting (the events of
   * the last handlers before shutdown) until the outbox is empty, a publish fails or finalFlushMs is
   * up. Whatever is left stays in the table for the next start.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    const loop = this.loop;
    this.loop = undefined;
    this.running = false;
    this.store.interrupt();
    await loop;
    const deadline = Date.now() + (this.options.finalFlushMs ?? 5000);
    try {
      while (Date.now() < deadline && (await this.relayOnce()) > 0);
    } catch (error) {
      this.logger.warn({ msg: `outbox rows left for the next start: ${(error as Error).message}` });
    }
  }

  /** One batch now (tests, or a manual flush). */
  async relayOnce(): Promise<number> {
    const result = await this.store.relayBatch(this.options.batchSize ?? 100, (records) => this.publishBatch(records));
    this.publishedTotal += result.published;
    this.waitingForGap = result.waitingForGap === true;
    if (result.failed) throw new Error(result.failed.error);
    return result.published;
  }

  /**
   * Sends the records in id order with up to maxInFlight unacknowledged, stops sending at the first
   * failure it sees, waits for every ack and reports the leading run of successes. A subject whose
   * stream is not known yet is sent alone (nothing else in flight), so its ack teaches the stream
   * before anything is chained behind it.
   */
  private async publishBatch(records: readonly OutboxRecord[]): Promise<OutboxBatchOutcome> {
    const maxInFlight = Math.max(1, this.options.maxInFlight ?? 256);
    const outcomes: Promise<Outcome>[] = [];
    const lastEventIdOfStream = new Map<string, string>();
    let completed = 0;
    let sawFailure = false;
    for (let i = 0; i < records.length && !sawFailure; ) {
      const record = records[i]!;
      const stream = this.streamOfSubject.get(record.subject);
      const inFlight = outcomes.length - completed;
      if (inFlight > 0 && stream === undefined) {
        await Promise.all(outcomes);
        continue;
      }
      if (inFlight >= maxInFlight) {
        // Refill half a window at once: publishes started in one turn share one socket write (the
        // client flushes once per microtask), where refilling one per ack would write one by one.
        await outcomes[outcomes.length - Math.max(1, Math.floor(maxInFlight / 2))];
        continue;
      }
      const expected = stream === undefined ? undefined : lastEventIdOfStream.get(stream);
      const headers = expected === undefined ? record.headers : { ...record.headers, [HEADER_EXPECTED_LAST_MSG_ID]: expected };
      outcomes.push(
        this.publisher.publishEvent(record.event, record.subject, headers).then(
          (ack: PublishResult): Outcome => {
            completed++;
            this.streamOfSubject.set(record.subject, ack.stream);
            if (stream === undefined) lastEventIdOfStream.set(ack.stream, record.event.id);
            return { ok: true };
          },
          (error: unknown): Outcome => {
            completed++;
            sawFailure = true;
            return { ok: false, error };
          },
        ),
      );
      if (stream !== undefined) lastEventIdOfStream.set(stream, record.event.id);
      i++;
    }
    const results = await Promise.all(outcomes);

    const firstFailure = results.findIndex((r) => !r.ok);
    if (firstFailure < 0) return { published: results.length };
    const error = (results[firstFailure] as { ok: false; error: unknown }).error;
    // Refused only because a row before it in this batch was a duplicate or another publisher wrote to
    // the stream in between: nothing is wrong, the next round starts a fresh chain at this row.
    if (firstFailure > 0 && isWrongLastMsgId(error)) return { published: firstFailure };
    return { published: firstFailure, failed: { id: records[firstFailure]!.id, error: error instanceof Error ? error.message : String(error) } };
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

function isWrongLastMsgId(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } } | undefined)?.api_error;
  return apiError?.err_code === WRONG_LAST_MSG_ID || /wrong last msg id/i.test(error instanceof Error ? error.message : String(error));
}
