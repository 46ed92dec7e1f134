import { deriveAffiliations, type FederationRole, scopeAffiliations } from './affiliations';
import type { FederationAttributeName, FederationAttributeValues, GroupAttributeName } from './federation-attributes';
import {
  type RuleViolation,
  validateAffiliation,
  validateEppn,
  validateHomeOrganization,
  validateMail,
  validateMemberRule,
  validateNin,
  validateSchoolUnitCode,
  validateScopedAffiliation,
  validateSubjectIdSyntax,
  validateText,
  validateUniqueId,
} from './federation-rules';

/** A person's registry identifiers (assigned once, never reassigned). */
export interface FederationIdentifiers {
  eduPersonPrincipalName: string;
  eduPersonUniqueId: string;
  subjectId: string;
}

/** Everything the attribute set is computed from; comes from identity.* and directory.* events. */
export interface FederationPersonInput {
  scope: string;
  /** schacHomeOrganization when it differs from the scope (default: the scope). */
  homeOrganization?: string;
  identifiers: FederationIdentifiers;
  roles: readonly FederationRole[];
  schoolUnitCodes: readonly string[];
  givenName?: string;
  familyName?: string;
  displayName?: string;
  mail?: string;
  civicNo?: string;
  groups?: readonly string[];
  groupAttribute?: GroupAttributeName;
}

/** One value that broke its rule; `value` is omitted for sensitive attributes. */
export interface AttributeViolation {
  attribute: FederationAttributeName;
  reason: string;
  value?: string;
}

export interface ComputedAttributeSet {
  /** Every attribute except the sensitive ones: what events carry. */
  attributes: FederationAttributeValues;
  /** Sensitive attributes (norEduPersonNIN), kept apart. */
  sensitive: FederationAttributeValues;
  violations: AttributeViolation[];
}

/**
 * Computes a person's Skolfederation attribute set and validates every value against its rule.
 * A failing value is left out and reported in `violations` (never the civic number itself), so
 * a caller can publish the rest and an error naming what failed.
 */
export function computeAttributeSet(input: FederationPersonInput): ComputedAttributeSet {
  const attributes: FederationAttributeValues = {};
  const sensitive: FederationAttributeValues = {};
  const violations: AttributeViolation[] = [];
  const scope = input.scope;

  const put = (
    target: FederationAttributeValues,
    attribute: FederationAttributeName,
    values: readonly string[],
    rule: (value: string) => RuleViolation,
    showValue = true,
  ): void => {
    const valid: string[] = [];
    for (const value of values) {
      const reason = rule(value);
      if (reason) violations.push(showValue ? { attribute, reason, value } : { attribute, reason });
      else if (!valid.includes(value)) valid.push(value);
    }
    if (valid.length > 0) target[attribute] = valid;
  };
  const optional = (value: string | undefined): string[] => (value === undefined || value === '' ? [] : [value]);

  put(attributes, 'eduPersonPrincipalName', [input.identifiers.eduPersonPrincipalName], (v) => validateEppn(v, scope));
  put(attributes, 'eduPersonUniqueId', [input.identifiers.eduPersonUniqueId], (v) => validateUniqueId(v, scope));
  put(attributes, 'subject-id', [input.identifiers.subjectId], (v) => validateSubjectIdSyntax(v, scope));

  const affiliations = deriveAffiliations(input.roles);
  const scoped = scopeAffiliations(affiliations, scope);
  const memberViolation = validateMemberRule(scoped);
  if (memberViolation) {
    violations.push({ attribute: 'eduPersonScopedAffiliation', reason: memberViolation });
  } else {
    put(attributes, 'eduPersonScopedAffiliation', scoped, (v) => validateScopedAffiliation(v, scope));
    put(attributes, 'eduPersonAffiliation', affiliations, validateAffiliation);
  }
  put(attributes, 'sisSchoolUnitCode', [...input.schoolUnitCodes].sort(), validateSchoolUnitCode);
  const home = (input.homeOrganization ?? scope).toLowerCase();
  put(attributes, 'schacHomeOrganization', [home], (v) => validateHomeOrganization(v, input.homeOrganization ?? scope));
  put(attributes, 'givenName', optional(input.givenName), (v) => validateText(v, 'givenName'));
  put(attributes, 'sn', optional(input.familyName), (v) => validateText(v, 'sn'));
  put(attributes, 'displayName', optional(input.displayName), (v) => validateText(v, 'displayName'));
  put(attributes, 'mail', optional(input.mail), validateMail);
  put(attributes, input.groupAttribute ?? 'isMemberOf', [...(input.groups ?? [])].sort(), (v) => validateText(v, 'group'));
  put(sensitive, 'norEduPersonNIN', optional(input.civicNo), validateNin, false);

  return { attributes, sensitive, violations };
}
