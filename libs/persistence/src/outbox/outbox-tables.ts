// The per-app outbox tables (prisma/schema/<app>.prisma). Only these names reach raw SQL.
export const OUTBOX_TABLES = [
  'ingest_outbox',
  'normalizer_outbox',
  'provisioner_outbox',
  'federation_outbox',
  'console_outbox',
  'claim_outbox',
] as const;
export type OutboxTable = (typeof OUTBOX_TABLES)[number];

export function assertOutboxTable(table: string): asserts table is OutboxTable {
  if (!(OUTBOX_TABLES as readonly string[]).includes(table)) throw new Error(`not an outbox table: ${table}`);
}

/** NOTIFY channel the relay LISTENs on. */
export function outboxChannel(table: OutboxTable): string {
  return `${table}_rows`;
}
