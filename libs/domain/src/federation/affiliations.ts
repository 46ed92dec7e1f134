import type { Affiliation } from './federation-rules';

/**
 * A person's active roles as the metadirectory knows them: an enrolment makes a pupil, a duty
 * (SS 12000 dutyRole) makes staff.
 */
export type FederationRole = { kind: 'student' } | { kind: 'staff'; dutyRole: string };

/**
 * SS 12000 duty roles whose holders teach: Skolfederation calls them faculty. Every other duty is
 * staff. Compared case-insensitively.
 */
export const TEACHING_DUTY_ROLES: readonly string[] = [
  'Lärare',
  'Förstelärare',
  'Förskollärare',
  'Fritidspedagog',
  'Lärare i fritidshem',
  'Speciallärare/specialpedagog',
  'Speciallärare',
  'Specialpedagog',
  'Lärarassistent',
  'Övrig pedagogisk personal',
];

const ORDER: readonly Affiliation[] = ['student', 'faculty', 'staff', 'employee', 'member'];
const teaching = new Set(TEACHING_DUTY_ROLES.map((role) => role.toLowerCase()));

/**
 * Skolfederation affiliations from roles: a pupil is `student`; a teacher `faculty` + `employee`;
 * other staff `staff` + `employee`; anyone with an affiliation is also `member`. No roles, no
 * affiliations. Sorted in a fixed order and free of duplicates, so equal roles give equal values.
 */
export function deriveAffiliations(roles: readonly FederationRole[]): Affiliation[] {
  const found = new Set<Affiliation>();
  for (const role of roles) {
    if (role.kind === 'student') {
      found.add('student');
    } else {
      found.add(teaching.has(role.dutyRole.trim().toLowerCase()) ? 'faculty' : 'staff');
      found.add('employee');
    }
  }
  if (found.size > 0) found.add('member');
  return ORDER.filter((affiliation) => found.has(affiliation));
}

/** `affiliation@scope` for each affiliation. */
export function scopeAffiliations(affiliations: readonly Affiliation[], scope: string): string[] {
  return affiliations.map((affiliation) => `${affiliation}@${scope}`);
}
