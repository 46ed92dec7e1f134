/**
 * The Skolfederation attribute catalogue we compute and release ("Attributprofil för Skolfederation"
 * on REFEDS eduPerson and SCHAC). One entry per attribute: its SAML name, whether values carry the
 * tenant's scope, whether it may hold several values, and whether it is personal data that a
 * protected identity does not release unless a policy explicitly allows it.
 */
export const FEDERATION_ATTRIBUTES = {
  eduPersonPrincipalName: { samlName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6', scoped: true, multi: false, personal: false },
  eduPersonUniqueId: { samlName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.13', scoped: true, multi: false, personal: false },
  'subject-id': { samlName: 'urn:oasis:names:tc:SAML:attribute:subject-id', scoped: true, multi: false, personal: false },
  'pairwise-id': { samlName: 'urn:oasis:names:tc:SAML:attribute:pairwise-id', scoped: true, multi: false, personal: false },
  eduPersonScopedAffiliation: { samlName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9', scoped: true, multi: true, personal: false },
  eduPersonAffiliation: { samlName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1', scoped: false, multi: true, personal: false },
  sisSchoolUnitCode: { samlName: 'urn:oid:1.2.752.194.10.2.4', scoped: false, multi: true, personal: false },
  schacHomeOrganization: { samlName: 'urn:oid:1.3.6.1.4.1.25178.1.2.9', scoped: false, multi: false, personal: false },
  givenName: { samlName: 'urn:oid:2.5.4.42', scoped: false, multi: false, personal: true },
  sn: { samlName: 'urn:oid:2.5.4.4', scoped: false, multi: false, personal: true },
  displayName: { samlName: 'urn:oid:2.16.840.1.113730.3.1.241', scoped: false, multi: false, personal: true },
  mail: { samlName: 'urn:oid:0.9.2342.19200300.100.1.3', scoped: false, multi: false, personal: true },
  norEduPersonNIN: { samlName: 'urn:oid:1.3.6.1.4.1.2428.90.1.5', scoped: false, multi: false, personal: true },
  isMemberOf: { samlName: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', scoped: false, multi: true, personal: false },
  eduPersonEntitlement: { samlName: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7', scoped: false, multi: true, personal: false },
} as const satisfies Record<string, FederationAttributeInfo>;

export interface FederationAttributeInfo {
  samlName: string;
  scoped: boolean;
  multi: boolean;
  personal: boolean;
}

export type FederationAttributeName = keyof typeof FEDERATION_ATTRIBUTES;

export const FEDERATION_ATTRIBUTE_NAMES = Object.keys(FEDERATION_ATTRIBUTES) as FederationAttributeName[];

/** Attributes that can carry a person's group memberships; the tenant picks one. */
export const GROUP_ATTRIBUTE_NAMES = ['isMemberOf', 'eduPersonEntitlement'] as const;
export type GroupAttributeName = (typeof GROUP_ATTRIBUTE_NAMES)[number];

/**
 * Sensitive attributes: kept apart from the published set (events never carry them) and released
 * only to a service whose policy names them.
 */
export const SENSITIVE_ATTRIBUTES: readonly FederationAttributeName[] = ['norEduPersonNIN'];

/**
 * What a protected identity (securityMarking other than "Ingen") releases when the policy does not
 * explicitly allow more: identifiers, affiliations, school units, home organisation and groups —
 * never names, mail or civic number.
 */
export const PROTECTED_IDENTITY_MINIMAL_SET: readonly FederationAttributeName[] = FEDERATION_ATTRIBUTE_NAMES.filter(
  (name) => !FEDERATION_ATTRIBUTES[name].personal,
);

export function isFederationAttributeName(name: string): name is FederationAttributeName {
  return Object.prototype.hasOwnProperty.call(FEDERATION_ATTRIBUTES, name);
}

/** A person's attribute values by attribute name; absent = no value. */
export type FederationAttributeValues = Partial<Record<FederationAttributeName, string[]>>;
