import {
  computePairwiseId,
  FEDERATION_ATTRIBUTES,
  type FederationAttributeName,
  type FederationAttributeValues,
  filterRelease,
} from '@skolkonto/domain';
import type { ReleaseSettings } from '../release-settings/release-settings';
import type { AttributeReadModel } from './attribute-read-model';

export class QueryError extends Error {
  constructor(
    readonly code: 'UNKNOWN_SP' | 'UNKNOWN_PRINCIPAL' | 'NOT_CURRENT',
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export interface ReleasedAttributes {
  identityId: string;
  tenant: string;
  released: FederationAttributeValues;
}

/**
 * Answers an IdP: the attributes one service provider may receive for one person, after that SP's
 * release policy. The principal may be an AD objectGUID, a UPN or ePPN, or a sAMAccountName; only
 * the tenants the asking client serves are searched. Unknown SP → UNKNOWN_SP; a person without
 * released attributes (unknown, not yet active, or revoked) → UNKNOWN_PRINCIPAL. While the read model
 * has lost its change feed → NOT_CURRENT: a person revoked meanwhile must not be answered from a stale copy.
 */
export class QueryAttributesService {
  /** Reads the in-memory read model: no I/O on the request path. */
  constructor(
    private readonly people: AttributeReadModel,
    private readonly settings: ReleaseSettings,
  ) {}

  query(input: { principal: string; sp: string; tenants: readonly string[] }): ReleasedAttributes {
    const tenants = input.tenants.filter((tenant) => this.settings.tenants.get(tenant)?.policies.has(input.sp));
    if (tenants.length === 0) {
      throw new QueryError('UNKNOWN_SP', `no release policy for service provider ${input.sp} in this client's tenants`);
    }
    if (!this.people.isCurrent()) throw new QueryError('NOT_CURRENT', 'attributes are being reloaded; try again shortly');
    const person = this.people.find(input.principal, tenants);
    if (!person) throw new QueryError('UNKNOWN_PRINCIPAL', 'no active person with released attributes matches the principal');

    const tenant = this.settings.tenants.get(person.tenant)!;
    const policy = tenant.policies.get(input.sp)!;
    let values: FederationAttributeValues = person.attributes;
    if (policy.attributes.includes('pairwise-id') && person.eduPersonUniqueId) {
      values = { ...values, 'pairwise-id': [computePairwiseId(person.eduPersonUniqueId, input.sp, tenant.pairwiseSecret, tenant.scope)] };
    }
    if (policy.attributes.includes('norEduPersonNIN') && person.civicNo) values = { ...values, norEduPersonNIN: [person.civicNo] };
    return {
      identityId: person.identityId,
      tenant: person.tenant,
      released: filterRelease(values, policy, { protectedIdentity: person.protectedIdentity }),
    };
  }
}

/** The Shibboleth-shaped answer: one entry per released attribute, in catalogue order. */
export function toShibbolethAttributes(released: FederationAttributeValues): Array<{ name: string; scoped: boolean; values: string[] }> {
  return (Object.keys(FEDERATION_ATTRIBUTES) as FederationAttributeName[])
    .filter((name) => released[name]?.length)
    .map((name) => ({ name, scoped: FEDERATION_ATTRIBUTES[name].scoped, values: released[name]! }));
}

/** Entra custom claims: a single-valued attribute as a string, a multi-valued one as a string array. */
export function toEntraClaims(released: FederationAttributeValues): Record<string, string | string[]> {
  const claims: Record<string, string | string[]> = {};
  for (const name of Object.keys(FEDERATION_ATTRIBUTES) as FederationAttributeName[]) {
    const values = released[name];
    if (!values?.length) continue;
    claims[name] = FEDERATION_ATTRIBUTES[name].multi ? values : values[0]!;
  }
  return claims;
}
