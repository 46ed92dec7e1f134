// Builds the events register-ingest publishes (CloudEvents 1.0 envelopes) as outbox rows. Each row is
// written in the same transaction as the snapshot change it announces.
import { randomUUID } from 'node:crypto';
import { EntityType, RegisterRecord, toSubjectEntity } from '../register-source/register-source';

export const EVENT_SOURCE = 'urn:skolkonto:register-ingest';

export type UpsertCause = 'delta' | 'reconcile' | 'webhook' | 'replay';
export type DeletionDetectedBy = 'deletedEntities' | 'reconcile';

export interface OutboxEvent {
  eventId: string;
  subject: string;
  /** The CloudEvents envelope, published as is. */
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

function envelope(subject: string, type: string, tenant: string, entityId: string, data: object, now: Date): OutboxEvent {
  const eventId = randomUUID();
  return {
    eventId,
    subject,
    payload: {
      specversion: '1.0',
      id: eventId,
      source: EVENT_SOURCE,
      type,
      subject: entityId,
      time: now.toISOString(),
      datacontenttype: 'application/json',
      tenant,
      data,
    },
    headers: { 'Nats-Msg-Id': eventId },
  };
}

export function toUpsertedEvent(
  tenant: string,
  entityType: EntityType,
  record: RegisterRecord,
  contentHash: string,
  cause: UpsertCause,
  now: Date,
): OutboxEvent {
  const entity = toSubjectEntity(entityType);
  return envelope(
    `register.${tenant}.${entity}.upserted`,
    `se.skolkonto.register.${entity}.upserted.v1`,
    tenant,
    record.id,
    { tenant, observedAt: now.toISOString(), contentHash, cause, record },
    now,
  );
}

export function toDeletedEvent(
  tenant: string,
  entityType: EntityType,
  registerId: string,
  detectedBy: DeletionDetectedBy,
  now: Date,
): OutboxEvent {
  const entity = toSubjectEntity(entityType);
  return envelope(
    `register.${tenant}.${entity}.deleted`,
    `se.skolkonto.register.${entity}.deleted.v1`,
    tenant,
    registerId,
    { tenant, observedAt: now.toISOString(), id: registerId, detectedBy },
    now,
  );
}

/** A record the register sent that could not be accepted. Carries the id and reason, never the record. */
export function toRecordRejectedEvent(
  tenant: string,
  entityType: EntityType,
  rejection: { registerId?: string; code: string; reason: string },
  now: Date,
): OutboxEvent {
  return envelope(
    `ops.${tenant}.record.rejected`,
    'se.skolkonto.ops.record.rejected.v1',
    tenant,
    rejection.registerId ?? 'unknown',
    {
      tenant,
      app: 'register-ingest',
      source: { system: 'ss12000', entity: entityType, ...(rejection.registerId ? { id: rejection.registerId } : {}) },
      error: { code: rejection.code, message: rejection.reason },
      rejectedAt: now.toISOString(),
    },
    now,
  );
}

export interface HeldPlanSummary {
  planId: string;
  entityType: EntityType;
  previousCount: number;
  seenCount: number;
  deletions: number;
  minimumShare: number;
  reason: string;
}

export function toPlanHeldEvent(tenant: string, plan: HeldPlanSummary, now: Date): OutboxEvent {
  return envelope(
    `ops.${tenant}.plan.held`,
    'se.skolkonto.ops.plan.held.v1',
    tenant,
    plan.planId,
    {
      tenant,
      app: 'register-ingest',
      planId: plan.planId,
      action: `delete ${plan.deletions} ${plan.entityType} records`,
      reason: plan.reason,
      entityType: plan.entityType,
      counts: { previous: plan.previousCount, seen: plan.seenCount, deletions: plan.deletions },
      threshold: { kind: 'percent', limit: Math.round(plan.minimumShare * 100), actual: plan.previousCount === 0 ? 100 : Math.round((plan.seenCount / plan.previousCount) * 100) },
      heldAt: now.toISOString(),
    },
    now,
  );
}
