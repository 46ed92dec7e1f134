/**
 * Value rules from the Skolfederation attribute profile. Each validator returns undefined when the
 * value is valid, or the reason it is not (a sentence naming the rule; never the value itself, so a
 * reason may be logged even when the value is a civic number).
 */
export type RuleViolation = string | undefined;

export const AFFILIATIONS = [
  'faculty',
  'student',
  'staff',
  'alum',
  'member',
  'affiliate',
  'employee',
  'library-walk-in',
] as const;
export type Affiliation = (typeof AFFILIATIONS)[number];

/** Affiliations with which `member` may be asserted (eduPerson: member implies one of these). */
export const MEMBER_IMPLYING_AFFILIATIONS: readonly Affiliation[] = ['faculty', 'staff', 'student', 'employee'];

const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const SCOPE = new RegExp(`^(?=.{1,253}$)${DNS_LABEL}(?:\\.${DNS_LABEL})+$`);
const SUBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9=-]{0,126}@[A-Za-z0-9][A-Za-z0-9.-]{0,126}$/;
const UNIQUE_ID_LOCAL = /^[A-Za-z0-9]{1,64}$/;
const SCHOOL_UNIT_CODE = /^\d{8}$/;
const NIN = /^\d{12}$/;
const EPPN_LOCAL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A federation scope: a DNS domain the member owns (at least two labels). */
export function validateScope(scope: string): RuleViolation {
  return SCOPE.test(scope) ? undefined : 'scope must be a DNS domain name with at least two labels';
}

function sameScope(actual: string, scope: string): boolean {
  return actual.toLowerCase() === scope.toLowerCase();
}

/** eduPersonPrincipalName: `local@scope`, exactly one "@", scope = the tenant's scope. */
export function validateEppn(value: string, scope: string): RuleViolation {
  const parts = value.split('@');
  if (parts.length !== 2) return 'eduPersonPrincipalName must contain exactly one "@"';
  const [local, valueScope] = parts as [string, string];
  if (!local) return 'eduPersonPrincipalName must have a non-empty local part';
  if (local.length > 64) return 'eduPersonPrincipalName local part must be at most 64 characters';
  if (!EPPN_LOCAL.test(local)) return 'eduPersonPrincipalName local part may hold only letters, digits, ".", "_" and "-"';
  if (!sameScope(valueScope, scope)) return "eduPersonPrincipalName scope must be the tenant's federation scope";
  return undefined;
}

/** eduPersonUniqueId: `[A-Za-z0-9]{1,64}@scope`. */
export function validateUniqueId(value: string, scope: string): RuleViolation {
  const parts = value.split('@');
  if (parts.length !== 2) return 'eduPersonUniqueId must contain exactly one "@"';
  if (!UNIQUE_ID_LOCAL.test(parts[0]!)) return 'eduPersonUniqueId local part must be 1 to 64 letters or digits';
  if (!sameScope(parts[1]!, scope)) return "eduPersonUniqueId scope must be the tenant's federation scope";
  return undefined;
}

/** subject-id and pairwise-id share one syntax (OASIS SAML V2.0 Subject Identifier Attributes). */
export function validateSubjectIdSyntax(value: string, scope: string, attribute = 'subject-id'): RuleViolation {
  if (!SUBJECT_ID.test(value)) return `${attribute} must match ^[A-Za-z0-9][A-Za-z0-9=-]{0,126}@[A-Za-z0-9][A-Za-z0-9.-]{0,126}$`;
  if (!sameScope(value.slice(value.indexOf('@') + 1), scope)) return `${attribute} scope must be the tenant's federation scope`;
  return undefined;
}

export function validatePairwiseId(value: string, scope: string): RuleViolation {
  return validateSubjectIdSyntax(value, scope, 'pairwise-id');
}

export function validateAffiliation(value: string): RuleViolation {
  return (AFFILIATIONS as readonly string[]).includes(value)
    ? undefined
    : `eduPersonAffiliation must be one of ${AFFILIATIONS.join(', ')}`;
}

/** One eduPersonScopedAffiliation value: `affiliation@scope`. */
export function validateScopedAffiliation(value: string, scope: string): RuleViolation {
  const parts = value.split('@');
  if (parts.length !== 2) return 'eduPersonScopedAffiliation must be affiliation@scope with exactly one "@"';
  if (validateAffiliation(parts[0]!)) return `eduPersonScopedAffiliation affiliation must be one of ${AFFILIATIONS.join(', ')}`;
  if (!sameScope(parts[1]!, scope)) return "eduPersonScopedAffiliation scope must be the tenant's federation scope";
  return undefined;
}

/** The member rule: `member` is asserted only together with faculty, staff, student or employee. */
export function validateMemberRule(affiliations: readonly string[]): RuleViolation {
  const plain = affiliations.map((value) => value.split('@')[0]);
  if (!plain.includes('member')) return undefined;
  return plain.some((value) => (MEMBER_IMPLYING_AFFILIATIONS as readonly (string | undefined)[]).includes(value))
    ? undefined
    : 'member must be asserted together with faculty, staff, student or employee';
}

/** sisSchoolUnitCode: Skolverket's skolenhetskod, eight digits. */
export function validateSchoolUnitCode(value: string): RuleViolation {
  return SCHOOL_UNIT_CODE.test(value) ? undefined : 'sisSchoolUnitCode must be exactly 8 digits';
}

/** norEduPersonNIN: twelve digits (YYYYMMDDNNNN), no separator. */
export function validateNin(value: string): RuleViolation {
  return NIN.test(value) ? undefined : 'norEduPersonNIN must be exactly 12 digits';
}

/** schacHomeOrganization: the member's domain (the tenant's configured home organisation, by default its scope). */
export function validateHomeOrganization(value: string, expected: string): RuleViolation {
  if (validateScope(value)) return 'schacHomeOrganization must be a DNS domain name';
  return sameScope(value, expected) ? undefined : "schacHomeOrganization must be the tenant's home organisation";
}

function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Free-text strings (names, group names): non-empty, no control characters, bounded. */
export function validateText(value: string, attribute: string, max = 256): RuleViolation {
  if (value.trim().length === 0) return `${attribute} must not be empty`;
  if (value.length > max) return `${attribute} must be at most ${max} characters`;
  if (hasControlCharacter(value)) return `${attribute} must not contain control characters`;
  return undefined;
}

const MAIL = /^[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function validateMail(value: string): RuleViolation {
  return MAIL.test(value) && value.length <= 254 ? undefined : 'mail must be an address local@domain';
}
