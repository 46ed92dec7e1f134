export { OUTBOX_TABLES, outboxChannel, assertOutboxTable } from './outbox-tables';
export type { OutboxTable } from './outbox-tables';
export { enqueueEvent, enqueueEvents } from './enqueue-event';
export type { OutboxEntry, RawExecutor } from './enqueue-event';
export { SqlOutboxStore } from './sql-outbox-store';
export type { BatchPublishOutcome, OutboxRecord, RelayBatchResult } from './sql-outbox-store';
export { OutboxPublishing } from './outbox-publishing';
export type { OutboxPublishingOptions } from './outbox-publishing';
