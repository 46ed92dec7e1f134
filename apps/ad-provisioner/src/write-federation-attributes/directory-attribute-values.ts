// Surface 1 for IdPs that read AD: a person's published Skolfederation attributes as AD attribute
// values under the tenant's mapping (pure; the writer stores and applies them).
import type { FederationAttributes } from '@skolkonto/contracts';
import { attributeStrings, type DirectoryEntry } from '@skolkonto/directory';
import { DEFAULT_AD_ATTRIBUTE_MAPPING, toAdAttributes, type AdAttributeMapping, type FederationAttributeValues } from '@skolkonto/domain';
import type { TenantConfig } from '@skolkonto/platform';

/** AD attribute → values; an empty list clears the attribute. */
export type DirectoryValues = Record<string, string[]>;

export function directoryMappingOf(tenant: TenantConfig): readonly AdAttributeMapping[] {
  return tenant.federation.directoryAttributes ?? DEFAULT_AD_ATTRIBUTE_MAPPING;
}

/** The AD values of a published set; `null` (revoked) clears every mapped attribute. */
export function directoryValuesOf(tenant: TenantConfig, published: FederationAttributes | null): DirectoryValues {
  const values: FederationAttributeValues = {};
  if (published) {
    const one = (value: string | undefined) => (value ? [value] : []);
    values.eduPersonPrincipalName = one(published.eduPersonPrincipalName);
    values.eduPersonUniqueId = one(published.eduPersonUniqueId);
    values.eduPersonScopedAffiliation = [...published.eduPersonScopedAffiliation];
    // The unscoped affiliations are the scoped ones without their scope, each once.
    values.eduPersonAffiliation = [...new Set(published.eduPersonScopedAffiliation.map((scoped) => scoped.slice(0, scoped.indexOf('@'))))];
    values.sisSchoolUnitCode = [...published.sisSchoolUnitCode];
    values.schacHomeOrganization = one(published.schacHomeOrganization);
    values.mail = one(published.mail);
  }
  return toAdAttributes(values, directoryMappingOf(tenant));
}

/** The mapped AD attribute names, for reading an account before comparing. */
export function mappedAttributeNames(tenant: TenantConfig): string[] {
  return directoryMappingOf(tenant).map((entry) => entry.adAttribute);
}

/** The values an add can carry (an add cannot hold an empty attribute). */
export function valuesForAdd(values: DirectoryValues | undefined): DirectoryValues {
  const out: DirectoryValues = {};
  for (const [attribute, list] of Object.entries(values ?? {})) if (list.length > 0) out[attribute] = list;
  return out;
}

/** Replace operations for the attributes whose values differ from the entry (order-insensitive). */
export function changesFor(entry: DirectoryEntry, values: DirectoryValues): Array<{ operation: 'replace'; attribute: string; values: string[] }> {
  const key = (list: readonly string[]) => [...list].sort().join('\u0000');
  return Object.entries(values)
    .filter(([attribute, wanted]) => key(attributeStrings(entry, attribute)) !== key(wanted))
    .map(([attribute, wanted]) => ({ operation: 'replace' as const, attribute, values: wanted }));
}
