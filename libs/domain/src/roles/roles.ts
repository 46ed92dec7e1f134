import type { LocalDate } from '../clock/clock';

/**
 * Roles, school units, class and teaching groups of one person on one day, derived only from
 * register facts. An enrolment makes a pupil; a duty makes staff (faculty if the dutyRole
 * teaches); both at once is normal (a pupil with a summer job). Dates are inclusive.
 */
export interface DatedPeriod {
  startDate?: LocalDate | null;
  endDate?: LocalDate | null;
  cancelled?: boolean | null;
}

/** startDate ≤ today ≤ endDate (both inclusive, either may be open) and not cancelled. */
export function isActiveOn(period: DatedPeriod, today: LocalDate): boolean {
  if (period.cancelled) return false;
  if (period.startDate && period.startDate > today) return false;
  if (period.endDate && period.endDate < today) return false;
  return true;
}

/** Starts after today and is not cancelled (a pupil enrolled for next term). */
export function isUpcomingOn(period: DatedPeriod, today: LocalDate): boolean {
  return !period.cancelled && !!period.startDate && period.startDate > today && (!period.endDate || period.endDate >= period.startDate);
}

export type IdentityAffiliation = 'student' | 'faculty' | 'staff' | 'employee' | 'member';

/** SS 12000 dutyRoles that teach: Skolfederation's faculty. Every other duty is staff. */
export const FACULTY_DUTY_ROLES: readonly string[] = [
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
const FACULTY = new Set(FACULTY_DUTY_ROLES.map((role) => role.toLowerCase()));
const AFFILIATION_ORDER: readonly IdentityAffiliation[] = ['student', 'faculty', 'staff', 'employee', 'member'];

/** faculty + employee for teaching duties, staff + employee for the rest. */
export function affiliationsForDutyRole(dutyRole: string): IdentityAffiliation[] {
  return FACULTY.has(dutyRole.normalize('NFC').trim().toLowerCase()) ? ['faculty', 'employee'] : ['staff', 'employee'];
}

export interface OrganisationFacts {
  id: string;
  displayName: string;
  organisationType?: string | null;
  schoolUnitCode?: string | null;
}

export interface EnrolmentFacts extends DatedPeriod {
  organisationId: string;
  schoolType?: string | null;
  schoolYear?: number | null;
}

export interface DutyFacts extends DatedPeriod {
  id: string;
  organisationId: string;
  dutyRole: string;
}

/** A person's membership of a group (pupil) or assignment to it (staff), with the group's own dates. */
export interface GroupMembershipFacts extends DatedPeriod {
  groupId: string;
  groupType: string;
  displayName: string;
  organisationId?: string | null;
  group: DatedPeriod;
}

export interface SchoolUnitRole {
  organisationId: string;
  displayName: string;
  schoolUnitCode?: string;
  student: boolean;
  staff: boolean;
}

export interface GroupRef {
  groupId: string;
  displayName: string;
}

export interface DerivedRoles {
  student: boolean;
  dutyRoles: string[];
  affiliations: IdentityAffiliation[];
  schoolUnits: SchoolUnitRole[];
  schoolUnitCodes: string[];
  klass?: GroupRef;
  teachingGroups: GroupRef[];
  hasActiveRole: boolean;
  hasUpcomingRole: boolean;
  /** Latest endDate among enrolments/duties that have ended; drives the leaving date. */
  lastRoleEnd?: LocalDate;
  /** True when that latest-ending role was an enrolment (the pupils' summer rule applies). */
  lastEndedRoleWasEnrolment: boolean;
}

export interface RoleFacts {
  enrolments: readonly EnrolmentFacts[];
  duties: readonly DutyFacts[];
  memberships: readonly GroupMembershipFacts[];
  organisations: ReadonlyMap<string, OrganisationFacts>;
}

const SCHOOL_UNIT_CODE = /^\d{8}$/;

export function deriveRoles(facts: RoleFacts, today: LocalDate): DerivedRoles {
  const activeEnrolments = facts.enrolments.filter((e) => isActiveOn(e, today));
  const activeDuties = facts.duties.filter((d) => isActiveOn(d, today));

  const units = new Map<string, SchoolUnitRole>();
  const unit = (organisationId: string): SchoolUnitRole => {
    let entry = units.get(organisationId);
    if (!entry) {
      const org = facts.organisations.get(organisationId);
      const code = org?.schoolUnitCode?.trim();
      entry = {
        organisationId,
        displayName: org?.displayName ?? '',
        ...(code && SCHOOL_UNIT_CODE.test(code) ? { schoolUnitCode: code } : {}),
        student: false,
        staff: false,
      };
      units.set(organisationId, entry);
    }
    return entry;
  };
  for (const e of activeEnrolments) unit(e.organisationId).student = true;
  for (const d of activeDuties) unit(d.organisationId).staff = true;

  const affiliations = new Set<IdentityAffiliation>();
  if (activeEnrolments.length > 0) affiliations.add('student');
  const dutyRoles = [...new Set(activeDuties.map((d) => d.dutyRole.normalize('NFC').trim()))].sort();
  for (const role of dutyRoles) for (const a of affiliationsForDutyRole(role)) affiliations.add(a);
  if (affiliations.size > 0) affiliations.add('member');

  const activeGroups = facts.memberships.filter((m) => isActiveOn(m, today) && isActiveOn(m.group, today));
  // A pupil is in at most one Klass; if the register says otherwise, the latest-started one wins
  // (ties by id) so every replica and every event order pick the same.
  const klass = activeGroups
    .filter((m) => m.groupType === 'Klass')
    .sort((a, b) => (b.startDate ?? b.group.startDate ?? '').localeCompare(a.startDate ?? a.group.startDate ?? '') || a.groupId.localeCompare(b.groupId))[0];
  const teachingGroups = dedupeGroups(activeGroups.filter((m) => m.groupType === 'Undervisning'));

  const ended = [...facts.enrolments.map((e) => ({ ...e, enrolment: true })), ...facts.duties.map((d) => ({ ...d, enrolment: false }))]
    .filter((r) => !r.cancelled && !!r.endDate && r.endDate < today && (!r.startDate || r.startDate <= r.endDate))
    .sort((a, b) => b.endDate!.localeCompare(a.endDate!) || Number(b.enrolment) - Number(a.enrolment));

  const schoolUnits = [...units.values()].sort((a, b) => a.organisationId.localeCompare(b.organisationId));
  return {
    student: activeEnrolments.length > 0,
    dutyRoles,
    affiliations: AFFILIATION_ORDER.filter((a) => affiliations.has(a)),
    schoolUnits,
    schoolUnitCodes: [...new Set(schoolUnits.flatMap((u) => (u.schoolUnitCode ? [u.schoolUnitCode] : [])))].sort(),
    ...(klass ? { klass: { groupId: klass.groupId, displayName: klass.displayName } } : {}),
    teachingGroups,
    hasActiveRole: activeEnrolments.length + activeDuties.length > 0,
    hasUpcomingRole: [...facts.enrolments, ...facts.duties].some((r) => isUpcomingOn(r, today)),
    ...(ended[0] ? { lastRoleEnd: ended[0].endDate! } : {}),
    lastEndedRoleWasEnrolment: ended[0]?.enrolment ?? false,
  };
}

function dedupeGroups(memberships: readonly GroupMembershipFacts[]): GroupRef[] {
  const byId = new Map<string, GroupRef>();
  for (const m of memberships) byId.set(m.groupId, { groupId: m.groupId, displayName: m.displayName });
  return [...byId.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
}
