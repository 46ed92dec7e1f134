// The event catalog: every event type with its data class, subject, stream and ordering key. The
// messaging library, the JSON Schemas, the AsyncAPI document and the tests all read it.
import { appSource, createCloudEvent, formatEventType, type CloudEvent } from './cloud-event';
import type { AppName } from './common';
import { AccountClaimedV1, AccountDeletedV1, AccountDisabledV1, AccountFailedV1, AccountMovedV1, AccountProvisionedV1, AccountUpdatedV1, DriftDetectedV1, GroupSyncedV1 } from './directory/directory-events';
import { AttributesFailedV1, AttributesPublishedV1, AttributesRevokedV1 } from './federation/federation-events';
import { PersonChangedV1, PersonDeactivatedV1, PersonReactivatedV1 } from './identity/identity-events';
import { ClaimCodeIssuedV1, DeadLetterRecordedV1, PlanApprovedV1, PlanHeldV1, PlanRejectedV1, RecordRejectedV1, ReviewRequestedV1, ReviewResolvedV1 } from './ops/ops-events';
import {
  RegisterDutyDeletedV1,
  RegisterDutyUpsertedV1,
  RegisterGroupDeletedV1,
  RegisterGroupUpsertedV1,
  RegisterOrganisationDeletedV1,
  RegisterOrganisationUpsertedV1,
  RegisterPersonDeletedV1,
  RegisterPersonUpsertedV1,
  RegisterSyncCompletedV1,
} from './register/register-events';
import { CivicNumberChangedV1 } from './sensitive/sensitive-events';
import { buildSubject, subjectPattern, type Domain } from './subjects';

export type StreamName = 'REGISTER' | 'IDENTITY' | 'DIRECTORY' | 'FEDERATION' | 'OPS' | 'SENSITIVE' | 'DEADLETTER';

export interface StreamDefinition {
  readonly name: StreamName;
  /** Subject filter of the stream (before any namespace prefix). */
  readonly subjects: readonly string[];
  /** Holds personal data that general subscribers must not read (civic numbers). */
  readonly restricted: boolean;
  readonly description: string;
}

export const STREAMS: readonly StreamDefinition[] = [
  { name: 'REGISTER', subjects: ['register.>'], restricted: true, description: 'SS 12000 records as received (restricted: civic numbers).' },
  { name: 'IDENTITY', subjects: ['identity.>'], restricted: false, description: 'Canonical identities (event-carried state).' },
  { name: 'DIRECTORY', subjects: ['directory.>'], restricted: false, description: 'What happened in Active Directory.' },
  { name: 'FEDERATION', subjects: ['federation.>'], restricted: false, description: 'Skolfederation attribute releases.' },
  { name: 'OPS', subjects: ['ops.>'], restricted: false, description: 'Plans, rejections, dead letters, reviews.' },
  { name: 'SENSITIVE', subjects: ['sensitive.>'], restricted: true, description: 'Civic numbers for federation-publisher only.' },
  { name: 'DEADLETTER', subjects: ['deadletter.>'], restricted: true, description: 'Messages no consumer could handle, with reason and attempts (may hold register data).' },
];

export const DEADLETTER_SUBJECT_PREFIX = 'deadletter';

export interface EventOrdering {
  /** Data field naming the entity; events with the same key are handled one at a time, in order. */
  readonly key: string;
  /** Data field with the per-entity monotonically increasing version. */
  readonly version: string;
}

export interface EventDefinition<T extends object = object> {
  /** Short name `<domain>.<entity>.<verb>`, e.g. `identity.person.changed`. */
  readonly name: string;
  /** CloudEvents type, e.g. `se.skolkonto.identity.person.changed.v1`. */
  readonly type: string;
  readonly domain: Domain;
  readonly entity: string;
  readonly verb: string;
  readonly version: number;
  readonly dataClass: new () => T;
  readonly stream: StreamName;
  /** NATS subject for all tenants, e.g. `identity.*.person.changed`. */
  readonly subjectPattern: string;
  readonly producer: AppName;
  readonly restricted: boolean;
  readonly ordering?: EventOrdering;
  /** The CloudEvents `subject` (the entity id) of an event's data. */
  subjectOf(data: T): string;
  readonly description: string;
  /** The NATS subject for one tenant. */
  subject(tenant: string): string;
}

interface EventSpec<T extends object> {
  readonly domain: Domain;
  readonly entity: string;
  readonly verb: string;
  readonly version: number;
  readonly dataClass: new () => T;
  readonly stream: StreamName;
  readonly producer: AppName;
  readonly subjectOf: (data: T) => string;
  readonly ordering?: { readonly key: keyof T & string; readonly version: keyof T & string };
  readonly description: string;
}

function defineEvent<T extends object>(spec: EventSpec<T>): EventDefinition<T> {
  const stream = STREAMS.find((s) => s.name === spec.stream)!;
  return Object.freeze({
    ...spec,
    name: `${spec.domain}.${spec.entity}.${spec.verb}`,
    type: formatEventType(spec),
    subjectPattern: subjectPattern(spec.domain, spec.entity, spec.verb),
    restricted: stream.restricted,
    subject: (tenant: string) => buildSubject({ domain: spec.domain, tenant, entity: spec.entity, verb: spec.verb }),
  });
}

const identityOrdering = { key: 'identityId', version: 'version' } as const;
const accountOrdering = { key: 'identityId', version: 'identityVersion' } as const;

export const EVENTS = {
  registerPersonUpserted: defineEvent({ domain: 'register', entity: 'person', verb: 'upserted', version: 1, dataClass: RegisterPersonUpsertedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.record.id, description: 'A Person record as received from the register (restricted: carries civicNo).' }),
  registerPersonDeleted: defineEvent({ domain: 'register', entity: 'person', verb: 'deleted', version: 1, dataClass: RegisterPersonDeletedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.id, description: 'A Person disappeared from the register.' }),
  registerOrganisationUpserted: defineEvent({ domain: 'register', entity: 'organisation', verb: 'upserted', version: 1, dataClass: RegisterOrganisationUpsertedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.record.id, description: 'An Organisation record as received.' }),
  registerOrganisationDeleted: defineEvent({ domain: 'register', entity: 'organisation', verb: 'deleted', version: 1, dataClass: RegisterOrganisationDeletedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.id, description: 'An Organisation disappeared from the register.' }),
  registerGroupUpserted: defineEvent({ domain: 'register', entity: 'group', verb: 'upserted', version: 1, dataClass: RegisterGroupUpsertedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.record.id, description: 'A Group record (with memberships) as received.' }),
  registerGroupDeleted: defineEvent({ domain: 'register', entity: 'group', verb: 'deleted', version: 1, dataClass: RegisterGroupDeletedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.id, description: 'A Group disappeared from the register.' }),
  registerDutyUpserted: defineEvent({ domain: 'register', entity: 'duty', verb: 'upserted', version: 1, dataClass: RegisterDutyUpsertedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.record.id, description: 'A Duty record as received.' }),
  registerDutyDeleted: defineEvent({ domain: 'register', entity: 'duty', verb: 'deleted', version: 1, dataClass: RegisterDutyDeletedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.id, description: 'A Duty disappeared from the register.' }),
  registerSyncCompleted: defineEvent({ domain: 'register', entity: 'sync', verb: 'completed', version: 1, dataClass: RegisterSyncCompletedV1, stream: 'REGISTER', producer: 'register-ingest', subjectOf: (d) => d.tenant, description: "A delta pull or full reconciliation of the tenant's register succeeded (never after a partial, failed or held read); its changes are published before it." }),

  identityPersonChanged: defineEvent({ domain: 'identity', entity: 'person', verb: 'changed', version: 1, dataClass: PersonChangedV1, stream: 'IDENTITY', producer: 'identity-normalizer', subjectOf: (d) => d.identityId, ordering: identityOrdering, description: 'The canonical identity changed (or appeared); carries the whole identity.' }),
  identityPersonDeactivated: defineEvent({ domain: 'identity', entity: 'person', verb: 'deactivated', version: 1, dataClass: PersonDeactivatedV1, stream: 'IDENTITY', producer: 'identity-normalizer', subjectOf: (d) => d.identityId, ordering: identityOrdering, description: 'The identity was deactivated; carries the whole identity and the reason.' }),
  identityPersonReactivated: defineEvent({ domain: 'identity', entity: 'person', verb: 'reactivated', version: 1, dataClass: PersonReactivatedV1, stream: 'IDENTITY', producer: 'identity-normalizer', subjectOf: (d) => d.identityId, ordering: identityOrdering, description: 'The identity is active again; carries the whole identity.' }),

  sensitiveCivicNumberChanged: defineEvent({ domain: 'sensitive', entity: 'civicno', verb: 'changed', version: 1, dataClass: CivicNumberChangedV1, stream: 'SENSITIVE', producer: 'identity-normalizer', subjectOf: (d) => d.identityId, ordering: identityOrdering, description: 'RESTRICTED: the civic number of an identity, for federation-publisher (norEduPersonNIN) only.' }),

  directoryAccountProvisioned: defineEvent({ domain: 'directory', entity: 'account', verb: 'provisioned', version: 1, dataClass: AccountProvisionedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'An AD account exists for the identity.' }),
  directoryAccountUpdated: defineEvent({ domain: 'directory', entity: 'account', verb: 'updated', version: 1, dataClass: AccountUpdatedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'AD account attributes changed.' }),
  directoryAccountMoved: defineEvent({ domain: 'directory', entity: 'account', verb: 'moved', version: 1, dataClass: AccountMovedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'AD account moved to another OU.' }),
  directoryAccountDisabled: defineEvent({ domain: 'directory', entity: 'account', verb: 'disabled', version: 1, dataClass: AccountDisabledV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'AD account disabled.' }),
  directoryAccountDeleted: defineEvent({ domain: 'directory', entity: 'account', verb: 'deleted', version: 1, dataClass: AccountDeletedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'AD account deleted after retention.' }),
  directoryAccountFailed: defineEvent({ domain: 'directory', entity: 'account', verb: 'failed', version: 1, dataClass: AccountFailedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.identityId, description: 'An identity could not be applied to AD.' }),
  directoryAccountClaimed: defineEvent({ domain: 'directory', entity: 'account', verb: 'claimed', version: 1, dataClass: AccountClaimedV1, stream: 'DIRECTORY', producer: 'claim-portal', subjectOf: (d) => d.identityId, description: 'The person set the first password with a one-time claim code.' }),
  directoryGroupSynced: defineEvent({ domain: 'directory', entity: 'group', verb: 'synced', version: 1, dataClass: GroupSyncedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.groupId, description: 'An AD group mirrors a register group.' }),
  directoryDriftDetected: defineEvent({ domain: 'directory', entity: 'drift', verb: 'detected', version: 1, dataClass: DriftDetectedV1, stream: 'DIRECTORY', producer: 'ad-provisioner', subjectOf: (d) => d.distinguishedName, description: 'AD differs from the metadirectory.' }),

  federationAttributesPublished: defineEvent({ domain: 'federation', entity: 'attributes', verb: 'published', version: 1, dataClass: AttributesPublishedV1, stream: 'FEDERATION', producer: 'federation-publisher', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'Attributes released for the identity.' }),
  federationAttributesRevoked: defineEvent({ domain: 'federation', entity: 'attributes', verb: 'revoked', version: 1, dataClass: AttributesRevokedV1, stream: 'FEDERATION', producer: 'federation-publisher', subjectOf: (d) => d.identityId, ordering: accountOrdering, description: 'Attributes no longer released.' }),
  federationAttributesFailed: defineEvent({ domain: 'federation', entity: 'attributes', verb: 'failed', version: 1, dataClass: AttributesFailedV1, stream: 'FEDERATION', producer: 'federation-publisher', subjectOf: (d) => d.identityId, description: 'Attribute values failed their rules and were not published; names each attribute and rule, never a personal value.' }),

  opsPlanHeld: defineEvent({ domain: 'ops', entity: 'plan', verb: 'held', version: 1, dataClass: PlanHeldV1, stream: 'OPS', producer: 'ad-provisioner', subjectOf: (d) => d.planId, description: 'A batch over the threshold is held for approval (published by the app that made the plan).' }),
  opsPlanApproved: defineEvent({ domain: 'ops', entity: 'plan', verb: 'approved', version: 1, dataClass: PlanApprovedV1, stream: 'OPS', producer: 'ops-console', subjectOf: (d) => d.planId, description: 'An operator approved a held plan.' }),
  opsPlanRejected: defineEvent({ domain: 'ops', entity: 'plan', verb: 'rejected', version: 1, dataClass: PlanRejectedV1, stream: 'OPS', producer: 'ops-console', subjectOf: (d) => d.planId, description: 'An operator rejected a held plan.' }),
  opsRecordRejected: defineEvent({ domain: 'ops', entity: 'record', verb: 'rejected', version: 1, dataClass: RecordRejectedV1, stream: 'OPS', producer: 'identity-normalizer', subjectOf: (d) => d.record.id, description: 'Bad input rejected with reasons (any app may publish).' }),
  opsDeadletterRecorded: defineEvent({ domain: 'ops', entity: 'deadletter', verb: 'recorded', version: 1, dataClass: DeadLetterRecordedV1, stream: 'OPS', producer: 'ops-console', subjectOf: (d) => d.originalSubject, description: 'A message was dead-lettered (published by the messaging library of the consuming app).' }),
  opsClaimcodeIssued: defineEvent({ domain: 'ops', entity: 'claimcode', verb: 'issued', version: 1, dataClass: ClaimCodeIssuedV1, stream: 'OPS', producer: 'claim-portal', subjectOf: (d) => d.claimCodeId, description: 'An operator issued a one-time claim code (never the code itself).' }),
  opsReviewRequested: defineEvent({ domain: 'ops', entity: 'review', verb: 'requested', version: 1, dataClass: ReviewRequestedV1, stream: 'OPS', producer: 'identity-normalizer', subjectOf: (d) => d.reviewId, description: 'An ambiguous correlation needs an operator.' }),
  opsReviewResolved: defineEvent({ domain: 'ops', entity: 'review', verb: 'resolved', version: 1, dataClass: ReviewResolvedV1, stream: 'OPS', producer: 'ops-console', subjectOf: (d) => d.reviewId, description: 'An operator decided a review item (link or keep-separate); identity-normalizer applies it.' }),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventDataOf<D> = D extends EventDefinition<infer T> ? T : never;

export const EVENT_CATALOG: readonly EventDefinition[] = Object.values(EVENTS) as EventDefinition[];

const byType = new Map(EVENT_CATALOG.map((d) => [d.type, d]));

export function findEventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}

/** The definition whose subject pattern matches a concrete subject (any version). */
export function findEventDefinitionsForSubject(subject: string): EventDefinition[] {
  const [domain, , entity, verb] = subject.split('.');
  return EVENT_CATALOG.filter((d) => d.domain === domain && d.entity === entity && d.verb === verb);
}

export interface NewEvent<T extends object> {
  readonly tenant: string;
  readonly data: T;
  readonly source: AppName | string;
  readonly id?: string;
  readonly time?: Date | string;
  readonly traceparent?: string;
}

/** Wraps data in its CloudEvent (type, subject from `subjectField`, source `/skolkonto/<app>`). */
export function buildEvent<T extends object>(definition: EventDefinition<T>, input: NewEvent<T>): CloudEvent<T> {
  return createCloudEvent({
    type: definition.type,
    source: input.source.startsWith('/') ? input.source : appSource(input.source),
    subject: definition.subjectOf(input.data),
    tenant: input.tenant,
    data: input.data,
    id: input.id,
    time: input.time,
    traceparent: input.traceparent,
    dataschema: `urn:skolkonto:schema:${definition.type}`,
  });
}
