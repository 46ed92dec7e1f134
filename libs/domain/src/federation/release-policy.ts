import {
  FEDERATION_ATTRIBUTES,
  type FederationAttributeName,
  type FederationAttributeValues,
  PROTECTED_IDENTITY_MINIMAL_SET,
} from './federation-attributes';

/**
 * What one service provider (by SAML entityID) receives from one tenant: the minimum it needs.
 * `protectedIdentityAllows` names personal attributes the SP still gets for a protected identity;
 * without it a protected identity releases only the minimal set.
 */
export interface ReleasePolicy {
  entityId: string;
  attributes: readonly FederationAttributeName[];
  protectedIdentityAllows?: readonly FederationAttributeName[];
}

/**
 * The values a service provider gets: the policy's attributes that have values; for a protected
 * identity, personal attributes only where the policy explicitly allows them.
 */
export function filterRelease(
  values: FederationAttributeValues,
  policy: ReleasePolicy,
  options: { protectedIdentity: boolean },
): FederationAttributeValues {
  const allowedForProtected = new Set<FederationAttributeName>([
    ...PROTECTED_IDENTITY_MINIMAL_SET,
    ...(policy.protectedIdentityAllows ?? []),
  ]);
  const released: FederationAttributeValues = {};
  for (const name of policy.attributes) {
    if (!(name in FEDERATION_ATTRIBUTES)) continue;
    if (options.protectedIdentity && !allowedForProtected.has(name)) continue;
    const found = values[name];
    if (found && found.length > 0) released[name] = [...found];
  }
  return released;
}
