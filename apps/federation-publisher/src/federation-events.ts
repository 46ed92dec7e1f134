import { randomUUID } from 'node:crypto';
import type { AttributeViolation, FederationAttributeValues } from '@skolkonto/domain';

/**
 * The events this app publishes, built as CloudEvents 1.0 (structured JSON) for its outbox.
 * Subjects: federation.<tenant>.attributes.<published|revoked|failed>.
 */
export const SOURCE = '/skolkonto/federation-publisher';

export interface OutboxEvent {
  eventId: string;
  subject: string;
  payload: Record<string, unknown>;
}

function envelope(verb: 'published' | 'revoked' | 'failed', tenant: string, identityId: string, data: object, time: Date): OutboxEvent {
  const id = randomUUID();
  return {
    eventId: id,
    subject: `federation.${tenant}.attributes.${verb}`,
    payload: {
      id,
      source: SOURCE,
      specversion: '1.0',
      type: `se.skolkonto.federation.attributes.${verb}.v1`,
      subject: identityId,
      time: time.toISOString(),
      datacontenttype: 'application/json',
      data,
      tenant,
    },
  };
}

/** The attribute names AttributesPublishedV1 carries; personal ones are left out for protected identities. */
const PUBLISHED = ['eduPersonPrincipalName', 'eduPersonUniqueId', 'eduPersonScopedAffiliation', 'sisSchoolUnitCode', 'schacHomeOrganization'] as const;
const PERSONAL = ['givenName', 'sn', 'displayName', 'mail'] as const;

/** AttributesPublishedV1: never the civic number; no names or mail for a protected identity. */
export function attributesPublished(
  input: { tenant: string; identityId: string; identityVersion: number; protectedIdentity: boolean; attributes: FederationAttributeValues },
  time: Date,
): OutboxEvent {
  const { attributes } = input;
  const data: Record<string, unknown> = {};
  for (const name of PUBLISHED) {
    const values = attributes[name] ?? [];
    const multi = name === 'eduPersonScopedAffiliation' || name === 'sisSchoolUnitCode';
    if (multi) data[name] = values;
    else if (values[0] !== undefined) data[name] = values[0];
  }
  if (!input.protectedIdentity) {
    for (const name of PERSONAL) if (attributes[name]?.[0] !== undefined) data[name] = attributes[name]![0];
  }
  return envelope(
    'published',
    input.tenant,
    input.identityId,
    {
      identityId: input.identityId,
      tenant: input.tenant,
      identityVersion: input.identityVersion,
      protected: input.protectedIdentity,
      attributes: data,
      publishedAt: time.toISOString(),
    },
    time,
  );
}

export function attributesRevoked(
  input: { tenant: string; identityId: string; identityVersion: number; eduPersonPrincipalName: string; reason: 'deactivated' | 'suspended' | 'operator' },
  time: Date,
): OutboxEvent {
  return envelope('revoked', input.tenant, input.identityId, { ...input, revokedAt: time.toISOString() }, time);
}

/** One or more values broke their rule and were not published; names the attribute and the reason. */
export function attributesFailed(
  input: { tenant: string; identityId: string; identityVersion: number; violations: AttributeViolation[]; protectedIdentity: boolean },
  time: Date,
): OutboxEvent {
  // Values of personal attributes (and every value of a protected identity) stay out of the event.
  const safe = new Set(['sisSchoolUnitCode', 'eduPersonPrincipalName', 'eduPersonUniqueId', 'subject-id', 'eduPersonScopedAffiliation']);
  const violations = input.violations.map((v) =>
    v.value !== undefined && safe.has(v.attribute) && !input.protectedIdentity
      ? { attribute: v.attribute, reason: v.reason, value: v.value }
      : { attribute: v.attribute, reason: v.reason },
  );
  return envelope(
    'failed',
    input.tenant,
    input.identityId,
    { identityId: input.identityId, tenant: input.tenant, identityVersion: input.identityVersion, violations, occurredAt: time.toISOString() },
    time,
  );
}
