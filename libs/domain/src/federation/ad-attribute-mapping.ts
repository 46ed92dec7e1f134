import type { FederationAttributeName } from './federation-attributes';

/**
 * How a published federation attribute lands in Active Directory (surface 1: IdPs that read AD).
 * `single`: one value in a single-valued attribute; `multi`: every value in a multi-valued one;
 * `joined`: all values joined by `delimiter` into one single-valued attribute, for targets whose
 * schema has only single-valued room.
 */
export type AdAttributeMode = 'single' | 'multi' | 'joined';

export interface AdAttributeMapping {
  attribute: FederationAttributeName;
  adAttribute: string;
  mode: AdAttributeMode;
  delimiter?: string;
}

/**
 * Defaults, all in the base Active Directory schema (no Exchange extensionAttributeN, no eduPerson
 * schema extension), checked against Samba 4.17's schema (see docs/idp/README.md):
 * - eduPersonPrincipalName → employeeNumber (single-valued, indexed by no login path, so an
 *   opaque ePPN there never competes with the UPN);
 * - eduPersonUniqueId → uid (RFC 2307, multi-valued in AD; we write exactly one value);
 * - eduPersonScopedAffiliation → businessCategory (multi-valued);
 * - eduPersonAffiliation → employeeType joined with ";" (single-valued in AD);
 * - sisSchoolUnitCode → departmentNumber (multi-valued: a teacher can have several units).
 * Names and mail are already written by the provisioner from identity events; groups are AD
 * groups (memberOf); norEduPersonNIN is never written to AD by default.
 */
export const DEFAULT_AD_ATTRIBUTE_MAPPING: readonly AdAttributeMapping[] = [
  { attribute: 'eduPersonPrincipalName', adAttribute: 'employeeNumber', mode: 'single' },
  { attribute: 'eduPersonUniqueId', adAttribute: 'uid', mode: 'single' },
  { attribute: 'eduPersonScopedAffiliation', adAttribute: 'businessCategory', mode: 'multi' },
  { attribute: 'eduPersonAffiliation', adAttribute: 'employeeType', mode: 'joined', delimiter: ';' },
  { attribute: 'sisSchoolUnitCode', adAttribute: 'departmentNumber', mode: 'multi' },
];

/**
 * The AD modification a published attribute set implies under a mapping: every mapped AD attribute
 * gets its values, or an empty list (= clear) when the set has none. Revocation is `toAdAttributes({}, …)`.
 */
export function toAdAttributes(
  values: Partial<Record<FederationAttributeName, readonly string[]>>,
  mapping: readonly AdAttributeMapping[] = DEFAULT_AD_ATTRIBUTE_MAPPING,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of mapping) {
    const found = values[entry.attribute] ?? [];
    if (found.length === 0) out[entry.adAttribute] = [];
    else if (entry.mode === 'multi') out[entry.adAttribute] = [...found];
    else if (entry.mode === 'joined') out[entry.adAttribute] = [found.join(entry.delimiter ?? ';')];
    else out[entry.adAttribute] = [found[0]!];
  }
  return out;
}
