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
