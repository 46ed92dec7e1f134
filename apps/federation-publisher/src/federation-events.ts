import {
  appSource,
  createCloudEvent,
  EVENTS,
  type EventDefinition,
  type SourceReference,
  validateEventData,
} from '@skolkonto/contracts';
import type { AttributeViolation, FederationAttributeValues } from '@skolkonto/domain';
import { enqueueEvent, type OutboxEntry, type RawExecutor } from '@skolkonto/persistence';

/**
 * The events this app writes to its outbox (federation_outbox), built on the contracts:
 * federation.<tenant>.attributes.published / .revoked, and ops.<tenant>.record.rejected when a value
 * broke its rule (the ops dashboard shows it; the value itself only when it is not personal data).
 */
const SOURCE = appSource('federation-publisher');

export class ContractViolationError extends Error {
  readonly permanent = true;
  readonly code = 'CONTRACT_VIOLATION';
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolationError';
  }
}

function entry<T extends object>(definition: EventDefinition<T>, tenant: string, data: T, time: Date): OutboxEntry {
  // Validate here, where the cause is known: an invalid row would otherwise stop the relay later.
  const reasons = validateEventData(definition as unknown as EventDefinition, data);
  if (reasons.length > 0) throw new ContractViolationError(`${definition.type} would break its contract: ${reasons.join('; ')}`);
  const event = createCloudEvent({ type: definition.type, source: SOURCE, subject: definition.subjectOf(data), tenant, data, time });
  return { event, subject: definition.subject(tenant) };
}

export async function enqueue(tx: RawExecutor, entries: OutboxEntry[]): Promise<void> {
  for (const outboxEntry of entries) await enqueueEvent(tx, 'federation_outbox', outboxEntry);
}

const PERSONAL = ['givenName', 'sn', 'displayName', 'mail'] as const;

/** AttributesPublishedV1: never the civic number; no names or mail for a protected identity. */
export function attributesPublished(
  input: { tenant: string; identityId: string; identityVersion: number; protectedIdentity: boolean; attributes: FederationAttributeValues },
  time: Date,
): OutboxEntry {
  const { attributes } = input;
  const data: Record<string, unknown> = {
    eduPersonPrincipalName: attributes.eduPersonPrincipalName?.[0],
    eduPersonScopedAffiliation: attributes.eduPersonScopedAffiliation ?? [],
    sisSchoolUnitCode: attributes.sisSchoolUnitCode ?? [],
    schacHomeOrganization: attributes.schacHomeOrganization?.[0],
  };
  if (attributes.eduPersonUniqueId?.[0]) data.eduPersonUniqueId = attributes.eduPersonUniqueId[0];
  if (!input.protectedIdentity) {
    for (const name of PERSONAL) if (attributes[name]?.[0] !== undefined) data[name] = attributes[name]![0];
  }
  return entry(
    EVENTS.federationAttributesPublished,
    input.tenant,
    {
      identityId: input.identityId,
      tenant: input.tenant,
      identityVersion: input.identityVersion,
      protected: input.protectedIdentity,
      attributes: data as never,
      publishedAt: time.toISOString(),
    },
    time,
  );
}

export function attributesRevoked(
  input: { tenant: string; identityId: string; identityVersion: number; eduPersonPrincipalName: string; reason: 'deactivated' | 'suspended' | 'operator' },
  time: Date,
): OutboxEntry {
  return entry(EVENTS.federationAttributesRevoked, input.tenant, { ...input, revokedAt: time.toISOString() }, time);
}

/** Attributes whose failing values may be shown on the dashboard (never names, mail or civic numbers). */
const SHOWABLE = new Set(['sisSchoolUnitCode', 'eduPersonPrincipalName', 'eduPersonUniqueId', 'subject-id', 'eduPersonScopedAffiliation']);

/** "<attribute>: <reason>", with the value only where it is not personal data. */
export function describeViolations(violations: AttributeViolation[], protectedIdentity: boolean): string[] {
  return violations.map((v) =>
    v.value !== undefined && SHOWABLE.has(v.attribute) && !protectedIdentity
      ? `${v.attribute}: ${v.reason} (got "${v.value}")`
      : `${v.attribute}: ${v.reason}`,
  );
}

/** One or more values broke their rule and were not published: names each attribute and its reason. */
export function attributesRejected(
  input: { tenant: string; record: SourceReference; violations: AttributeViolation[]; protectedIdentity: boolean; eventId?: string },
  time: Date,
): OutboxEntry {
  return entry(
    EVENTS.opsRecordRejected,
    input.tenant,
    {
      tenant: input.tenant,
      sourceApp: 'federation-publisher',
      record: input.record,
      ...(input.eventId ? { eventId: input.eventId } : {}),
      code: 'INVALID_ATTRIBUTE_VALUE',
      reasons: describeViolations(input.violations, input.protectedIdentity),
      rejectedAt: time.toISOString(),
    },
    time,
  );
}
