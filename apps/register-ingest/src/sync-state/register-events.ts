// Builds the events register-ingest publishes (CloudEvents from the contracts catalog) as outbox rows.
// Each row is written in the same transaction as the snapshot change it announces.
import { buildEvent, type CloudEvent, EVENTS, type EventDefinition, isUuidLike } from './event-helpers';
import { EntityType, RegisterRecord } from '../register-source/register-source';

export type UpsertCause = 'delta' | 'reconcile' | 'webhook' | 'replay';
export type DeletionDetectedBy = 'deletedEntities' | 'reconcile';

const APP = 'register-ingest';

export interface OutboxEvent {
  eventId: string;
  subject: string;
  /** The CloudEvents envelope, published as is. */
  payload: CloudEvent<object>;
  headers: Record<string, string>;
}

/** The four entity types share one data shape per verb; their definitions differ only in name and subject. */
type AnyDefinition = EventDefinition<object>;
const widen = (definition: unknown) => definition as AnyDefinition;

const UPSERTED: Record<EntityType, AnyDefinition> = {
  Person: widen(EVENTS.registerPersonUpserted),
  Organisation: widen(EVENTS.registerOrganisationUpserted),
  Group: widen(EVENTS.registerGroupUpserted),
  Duty: widen(EVENTS.registerDutyUpserted),
};

const DELETED: Record<EntityType, AnyDefinition> = {
  Person: widen(EVENTS.registerPersonDeleted),
  Organisation: widen(EVENTS.registerOrganisationDeleted),
  Group: widen(EVENTS.registerGroupDeleted),
  Duty: widen(EVENTS.registerDutyDeleted),
};

function toOutbox<T extends object>(definition: EventDefinition<T>, tenant: string, data: T, now: Date): OutboxEvent {
  const event = buildEvent(definition, { tenant, data, source: APP, time: now });
  return { eventId: event.id, subject: definition.subject(tenant), payload: event, headers: { 'Nats-Msg-Id': event.id } };
}

export function toUpsertedEvent(
  tenant: string,
  entityType: EntityType,
  record: RegisterRecord,
  contentHash: string,
  cause: UpsertCause,
  now: Date,
): OutboxEvent {
  return toOutbox(UPSERTED[entityType], tenant, { tenant, observedAt: now.toISOString(), contentHash, cause, record }, now);
}

export function toDeletedEvent(tenant: string, entityType: EntityType, registerId: string, detectedBy: DeletionDetectedBy, now: Date): OutboxEvent {
  return toOutbox(DELETED[entityType], tenant, { tenant, observedAt: now.toISOString(), id: registerId, detectedBy }, now);
}

/**
 * A record the register sent that could not be accepted: its id, a code and the reason, never the
 * record itself. Undefined when the record had no usable id (it is then only counted and logged).
 */
export function toRecordRejectedEvent(
  tenant: string,
  entityType: EntityType,
  rejection: { registerId?: string; code: string; reason: string },
  now: Date,
): OutboxEvent | undefined {
  if (!rejection.registerId || !isUuidLike(rejection.registerId)) return undefined;
  return toOutbox(
    EVENTS.opsRecordRejected,
    tenant,
    {
      tenant,
      sourceApp: APP,
      record: { system: 'ss12000', entity: entityType, id: rejection.registerId },
      code: rejection.code,
      reasons: [rejection.reason],
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
  minimumShare: number;
  reason: string;
}

/** ops.<tenant>.plan.held: one delete operation per entity a suspicious full read would remove. */
export function toPlanHeldEvent(tenant: string, plan: HeldPlanSummary, registerIds: string[], now: Date): OutboxEvent {
  const actualPercent = plan.previousCount === 0 ? 100 : Math.floor((plan.seenCount / plan.previousCount) * 100);
  return toOutbox(
    EVENTS.opsPlanHeld,
    tenant,
    {
      planId: plan.planId,
      tenant,
      sourceApp: APP,
      reason: plan.reason,
      thresholds: [{ kind: 'percent', limit: Math.round(plan.minimumShare * 100), actual: actualPercent }],
      operations: registerIds.map((id, index) => ({ index, action: 'delete' as const, target: `ss12000:${plan.entityType}:${id}` })),
      heldAt: now.toISOString(),
    },
    now,
  );
}

/**
 * register.<tenant>.sync.completed: a run read everything it asked for. Its id is the run's, so the
 * run is announced once however often the row is written.
 */
export function toSyncCompletedEvent(
  tenant: string,
  run: { runId: string; kind: 'delta' | 'full'; startedAt: Date; completedAt: Date; changes: number },
): OutboxEvent {
  const data = { tenant, kind: run.kind, startedAt: run.startedAt.toISOString(), completedAt: run.completedAt.toISOString(), changes: run.changes };
  const event = buildEvent(EVENTS.registerSyncCompleted, { tenant, data, source: APP, time: run.completedAt, id: run.runId });
  return { eventId: event.id, subject: EVENTS.registerSyncCompleted.subject(tenant), payload: event, headers: { 'Nats-Msg-Id': event.id } };
}
