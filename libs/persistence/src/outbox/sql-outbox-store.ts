// The relay's side of the outbox in PostgreSQL. One relay at a time publishes a table (transaction
// advisory lock), so rows go out in id order even with several replicas; a crash between publish
// and commit re-publishes the row, which JetStream de-duplicates by event id. The relay gets the
// whole claimed batch at once (it pipelines the publishes) and the published rows are marked in one
// UPDATE: only the leading run it reports, so a row after a failure is never marked ahead of it.
// The relay reads on from where its last batch ended, not from the table's first unpublished row:
// marking a row published leaves its old, unpublished version behind until VACUUM, and a read from
// the start walks all of them (milliseconds per batch after a first load, growing with the table).
import { Client, Pool } from 'pg';
import type { CloudEvent } from '@skolkonto/contracts';
import { assertOutboxTable, outboxChannel, type OutboxTable } from './outbox-tables';

export interface OutboxRecord {
  readonly id: string;
  readonly eventId: string;
  readonly subject: string;
  readonly event: CloudEvent;
  readonly headers: Record<string, string>;
  readonly attempts: number;
}

export interface RelayBatchResult {
  /** Rows published and marked in this batch. */
  readonly published: number;
  /** False when another relay holds the table. */
  readonly locked: boolean;
  /** True when the batch stopped before an id that may still be committing. */
  readonly waitingForGap?: boolean;
  /** The row that failed (the batch stops there to keep order). */
  readonly failed?: { readonly id: string; readonly error: string };
}

/** What the publisher did with a batch: the leading `published` records are in the stream. */
export interface BatchPublishOutcome {
  readonly published: number;
  readonly failed?: { readonly id: string; readonly error: string };
}

/** Implements the OutboxStore interface of @skolkonto/messaging. */
export class SqlOutboxStore {
  private readonly pool: Pool;
  private listener?: Client;
  private wake?: () => void;
  private readonly lockKey: number;
  /**
   * Where the next read starts: each row below it was published, or is an id the relay went past
   * (a hole after the grace period). A row that commits there later is found by the read from the
   * start, once per grace period.
   */
  private readFrom = 0n;
  private lastReadFromStart = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly table: OutboxTable,
    /** How long a missing id may hold back later rows (a transaction still committing). */
    private readonly gapGraceMs = 2000,
  ) {
    assertOutboxTable(table);
    this.pool = new Pool({ connectionString: databaseUrl, max: 2 });
    // An idle connection PostgreSQL ends (restart, failover, pg_terminate_backend) emits 'error' on the
    // pool; unhandled, that would crash the app. The pool discards it and the next batch reconnects.
    this.pool.on('error', () => undefined);
    this.lockKey = hashKey(`skolkonto-outbox:${table}`);
  }

  async relayBatch(limit: number, publish: (records: readonly OutboxRecord[]) => Promise<BatchPublishOutcome>): Promise<RelayBatchResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [this.lockKey]);
      if (!lock.rows[0]?.locked) {
        await client.query('ROLLBACK');
        return { published: 0, locked: false };
      }
      const fromStart = Date.now() - this.lastReadFromStart >= this.gapGraceMs;
      if (fromStart) this.lastReadFromStart = Date.now();
      const rows = await client.query<{ id: string; event_id: string; subject: string; payload: CloudEvent; headers: Record<string, string>; attempts: number; aged: boolean }>(
        // ORDER BY o.id: the bigint column, not the text alias (which would sort "100" before "99").
        // No row locks needed: the advisory lock above already makes this relay the only writer.
        `SELECT o.id::text AS id, o.event_id::text AS event_id, o.subject, o.payload, o.headers, o.attempts,
                clock_timestamp() - o.created_at > $2 * interval '1 millisecond' AS aged
           FROM "${this.table}" o WHERE o.published_at IS NULL AND o.id >= $3::bigint ORDER BY o.id LIMIT $1`,
        [limit, this.gapGraceMs, (fromStart ? 0n : this.readFrom).toString()],
      );
      // Ids are taken at insert, rows become visible at commit: a transaction holding a lower id may
      // still be running. Stop before such a gap (its commit NOTIFYs us) unless the row after it is
      // older than the grace period, then the gap is a rollback or a long transaction and we go on.
      const last = await client.query<{ id: string }>(
        `SELECT o.id::text AS id FROM "${this.table}" o WHERE o.published_at IS NOT NULL ORDER BY o.id DESC LIMIT 1`,
      );
      let expected = BigInt(last.rows[0]?.id ?? '0') + 1n;
      const batch: OutboxRecord[] = [];
      let waitingForGap = false;
      for (const row of rows.rows) {
        const id = BigInt(row.id);
        if (id > expected && !row.aged) {
          waitingForGap = true;
          break;
        }
        if (id >= expected) expected = id + 1n;
        batch.push({ id: row.id, eventId: row.event_id, subject: row.subject, event: row.payload, headers: row.headers ?? {}, attempts: row.attempts });
      }
      let outcome: BatchPublishOutcome = { published: 0 };
      if (batch.length) {
        try {
          outcome = await publish(batch);
        } catch (error) {
          // A publisher that throws has not said what reached the stream: mark nothing, blame the first row.
          outcome = { published: 0, failed: { id: batch[0]!.id, error: error instanceof Error ? error.message : String(error) } };
        }
      }
      const published = batch.slice(0, Math.max(0, Math.min(outcome.published, batch.length))).map((r) => r.id);
      const failed = outcome.failed;
      if (published.length) {
        await client.query(`UPDATE "${this.table}" SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::bigint[])`, [published]);
      }
      if (failed) {
        await client.query(`UPDATE "${this.table}" SET attempts = attempts + 1, last_error = $2 WHERE id = $1::bigint`, [failed.id, failed.error.slice(0, 2000)]);
      }
      await client.query('COMMIT');
      // The first row left unpublished, else the missing id waited for, else the row after the last.
      const unpublished = batch[published.length];
      this.readFrom = unpublished ? BigInt(unpublished.id) : expected;
      return { published: published.length, locked: true, waitingForGap, ...(failed ? { failed } : {}) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.lastReadFromStart = 0;
      throw error;
    } finally {
      client.release();
    }
  }

  /** Resolves on a NOTIFY from enqueueEvent or after `timeoutMs`, whichever is first. */
  async waitForRows(timeoutMs: number): Promise<void> {
    await this.ensureListener().catch(() => undefined); // without LISTEN the poll still works
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    this.wake = undefined;
  }

  /** Unpublished rows (for health checks and metrics). */
  async backlog(): Promise<number> {
    const result = await this.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${this.table}" WHERE published_at IS NULL`);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Wakes a pending waitForRows (used on shutdown). */
  interrupt(): void {
    this.wake?.();
  }

  async close(): Promise<void> {
    this.interrupt();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async ensureListener(): Promise<void> {
    if (this.listener) return;
    const client = new Client({ connectionString: this.databaseUrl });
    this.listener = client;
    client.on('notification', () => this.wake?.());
    client.on('error', () => {
      // Reconnect on the next wait.
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${outboxChannel(this.table)}"`);
    } catch (error) {
      if (this.listener === client) this.listener = undefined;
      throw error;
    }
  }
}

function hashKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

