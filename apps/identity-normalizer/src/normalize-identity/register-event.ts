/**
 * A register event as the normalizer needs it, decoded from `register.<tenant>.<entity>.<verb>`
 * (libs/contracts RegisterPersonUpsertedV1 etc.). `record` is the SS 12000 record exactly as the
 * register sent it: nothing in it is trusted until register-record.ts has parsed it.
 */
export type RegisterEntity = 'person' | 'organisation' | 'group' | 'duty';

export interface RegisterEvent {
  /** CloudEvents id of the register event: recorded as the cause of every change it makes. */
  eventId: string;
  tenant: string;
  registerId?: string;
  entity: RegisterEntity;
  verb: 'upserted' | 'deleted';
  observedAt: string;
  contentHash?: string;
  /** upserted: the record as received. */
  record?: Record<string, unknown>;
  /** deleted: the register id of the record. */
  id?: string;
  /**
   * W3C traceparent of the span that handled this register event: every event built from it
   * (identity, ops) continues that trace, whichever batch it is applied in.
   */
  traceparent?: string;
}
