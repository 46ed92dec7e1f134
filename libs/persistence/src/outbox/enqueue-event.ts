// Writes an event into the app's outbox inside the app's own Prisma transaction, so the change and
// the event it implies commit (or roll back) together. The relay (libs/messaging) publishes it.
import type { CloudEvent } from '@skolkonto/contracts';
import { assertOutboxTable, outboxChannel, type OutboxTable } from './outbox-tables';

/** The part of a Prisma (transaction) client this needs; `tx` from `prisma.$transaction(async (tx) => …)`. */
export interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface OutboxEntry {
  /** The CloudEvent, validated by the caller with the contract (the relay validates again). */
  readonly event: CloudEvent;
  /** NATS subject without namespace, e.g. `definition.subject(tenant)`. */
  readonly subject: string;
  readonly headers?: Record<string, string>;
}

export async function enqueueEvent(tx: RawExecutor, table: OutboxTable, entry: OutboxEntry): Promise<void> {
  assertOutboxTable(table);
  await tx.$executeRawUnsafe(
    `INSERT INTO "${table}" (event_id, subject, payload, headers) VALUES ($1::uuid, $2, $3::jsonb, $4::jsonb)
     ON CONFLICT (event_id) DO NOTHING`,
    entry.event.id,
    entry.subject,
    JSON.stringify(entry.event),
    JSON.stringify(entry.headers ?? {}),
  );
  // Delivered at commit; wakes the relay at once instead of at its next poll.
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, '')`, outboxChannel(table));
}

/**
 * Many events in one statement (a chunk of rows per insert) and one wake-up of the relay: for the
 * batches apps apply in one transaction. Rows keep the order given.
 */
export async function enqueueEvents(tx: RawExecutor, table: OutboxTable, entries: ReadonlyArray<OutboxEntry>): Promise<void> {
  assertOutboxTable(table);
  if (entries.length === 0) return;
  const ROWS_PER_INSERT = 1000; // 4 parameters a row, well below PostgreSQL's 65,535
  for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
    const chunk = entries.slice(start, start + ROWS_PER_INSERT);
    const values: unknown[] = [];
    const rows = chunk.map((entry, i) => {
      values.push(entry.event.id, entry.subject, JSON.stringify(entry.event), JSON.stringify(entry.headers ?? {}));
      return `($${i * 4 + 1}::uuid, $${i * 4 + 2}, $${i * 4 + 3}::jsonb, $${i * 4 + 4}::jsonb)`;
    });
    await tx.$executeRawUnsafe(`INSERT INTO "${table}" (event_id, subject, payload, headers) VALUES ${rows.join(', ')} ON CONFLICT (event_id) DO NOTHING`, ...values);
  }
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, '')`, outboxChannel(table));
}
