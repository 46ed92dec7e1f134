import { appSource, createCloudEvent, EVENTS, type EventDefinition, validateEventData } from '@skolkonto/contracts';
import type { AttributeViolation, FederationAttributeValues } from '@skolkonto/domain';
import { enqueueEvents, type OutboxEntry, type RawExecutor } from '@skolkonto/persistence';

/**
 * The events this app writes to its outbox (federation_outbox), built on the contracts:
 * federation.<tenant>.attributes.published / .revoked / .failed (a value broke its rule and was not
 * published; the failed value itself only when it is not personal data).
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
  await enqueueEvents(tx, 'federation_outbox', entries);
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

/**
 * Attributes whose failing value may travel in the failed event: they are not personal data (a school
 * unit code, a generated identifier, an affiliation). Names, mail and the civic number never do.
 */
const SHOWABLE = new Set(['sisSchoolUnitCode', 'eduPersonPrincipalName', 'eduPersonUniqueId', 'subject-id', 'eduPersonScopedAffiliation', 'eduPersonAffiliation', 'schacHomeOrganization']);

/** Each violation as { attribute, rule }, with the value only where it is not personal data and the identity is not protected. */
export function toFailures(violations: AttributeViolation[], protectedIdentity: boolean): Array<{ attribute: string; rule: string; value?: string }> {
  return violations.map((v) =>
    v.value !== undefined && SHOWABLE.has(v.attribute) && !protectedIdentity
      ? { attribute: v.attribute, rule: v.reason, value: v.value }
      : { attribute: v.attribute, rule: v.reason },
  );
}

/** AttributesFailedV1: values that broke their rule and were not published, each with the rule it broke. */
export function attributesFailed(
  input: { tenant: string; identityId: string; identityVersion: number; violations: AttributeViolation[]; protectedIdentity: boolean },
  time: Date,
): OutboxEntry {
  return entry(
    EVENTS.federationAttributesFailed,
    input.tenant,
    {
      identityId: input.identityId,
      tenant: input.tenant,
      identityVersion: input.identityVersion,
      failures: toFailures(input.violations, input.protectedIdentity),
      failedAt: time.toISOString(),
    },
    time,
  );
}
