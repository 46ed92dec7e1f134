import type { StatusCause } from '@skolkonto/contracts';
import {
  addDays,
  choosePublishedEmail,
  deriveProtection,
  deriveRoles,
  evaluateLifecycle,
  isActiveOn,
  normalizePersonNames,
  parseCivicNumber,
  toPublishedNames,
  type LifecycleCause,
  type LifecycleDecision,
  type LifecyclePolicy,
  type LifecycleStatus,
  type LocalDate,
  type OrganisationFacts,
  type PersonNames,
} from '@skolkonto/domain';

/**
 * The canonical identity of one person, built only from the register projection and the
 * identity's lifecycle status. Pure and deterministic (every list sorted), so the same facts
 * always give the same body, and "did it change?" is a deep comparison with the last published one.
 */
export interface StoredPerson {
  id: string;
  registerId: string;
  givenName: string | null;
  middleName: string | null;
  familyName: string | null;
  civicNo: string | null;
  securityMarking: string | null;
  personStatus: string | null;
  emails: Array<{ value: string; type: string | null }>;
  deleted: boolean;
}

export interface StoredEnrolment {
  organisationId: string;
  schoolType: string | null;
  schoolYear: number | null;
  programme: string | null;
  startDate: string | null;
  endDate: string | null;
  cancelled: boolean;
}

export interface StoredDuty {
  id: string;
  organisationId: string;
  dutyRole: string;
  signature: string | null;
  dutyPercent: number | null;
  startDate: string | null;
  endDate: string | null;
  personSecurityMarking: string | null;
  deleted: boolean;
}

export interface StoredMembership {
  groupId: string;
  role: string;
  startDate: string | null;
  endDate: string | null;
  securityMarking: string | null;
  group: { displayName: string; groupType: string; organisationId: string | null; startDate: string | null; endDate: string | null; deleted: boolean };
}

export interface StoredOrganisation extends OrganisationFacts {
  municipalityCode?: string | null;
  deleted?: boolean;
}

export interface IdentityFacts {
  identityId: string;
  tenant: string;
  person: StoredPerson;
  enrolments: StoredEnrolment[];
  duties: StoredDuty[];
  memberships: StoredMembership[];
  organisations: ReadonlyMap<string, StoredOrganisation>;
  current: LifecycleStatus | null;
  movedToOtherTenant: boolean;
  /** An operator linked this identity to another one, which is kept (review decision). */
  mergedIntoOther?: boolean;
  neutralNames?: PersonNames;
}

/** The identity as published, without version and timestamps (PersonIdentityV1's stable part). */
export interface IdentityBody {
  identityId: string;
  tenant: string;
  status: LifecycleStatus['state'];
  statusCause: StatusCause;
  names: { givenName: string; familyName: string; displayName: string; protected: boolean };
  email?: string;
  affiliations: string[];
  schoolUnits: Array<{ organisationId: string; schoolUnitCode: string; displayName: string; municipalityCode?: string; roles: Array<'student' | 'staff'> }>;
  class?: { groupId: string; displayName: string; schoolUnitCode?: string };
  groups: Array<{ groupId: string; displayName: string; groupType: string; organisationId: string; role: 'member' | 'teacher' | 'mentor' }>;
  enrolments: Array<{ organisationId: string; schoolUnitCode: string; schoolType: string; schoolYear?: number; programme?: string; startDate: string; endDate?: string }>;
  duties: Array<{ dutyId: string; organisationId: string; schoolUnitCode?: string; dutyRole: string; signature?: string; dutyPercent?: number; startDate: string; endDate?: string }>;
  sourceRefs: Array<{ system: 'ss12000'; entity: 'Person'; id: string; registerId?: string }>;
  graceEndsAt?: string;
}

export interface BuiltIdentity {
  body: IdentityBody;
  lifecycle: LifecycleDecision;
  civicNumber: string | null;
  civicNumberProblem: string | null;
  birthDate: string | null;
  protected: boolean;
  /** Earliest future day on which dates alone can change this identity (role start/end, deadlines). */
  nextEvaluationOn: LocalDate | null;
  /** Why no (or not the first) school/work address was usable; never the address. */
  emailProblem: string | null;
}

/** Lifecycle causes as the identity events name them. */
export const STATUS_CAUSE: Record<LifecycleCause, StatusCause> = {
  REGISTERED: 'registered',
  ROLE_STARTED: 'role-started',
  ROLE_ENDED: 'role-ended',
  RETURNED: 'returned',
  GRACE_PERIOD_ENDED: 'grace-period-ended',
  RETENTION_PERIOD_ENDED: 'retention-period-ended',
  PERSON_DECEASED: 'deceased',
  PERSON_EMIGRATED: 'emigrated',
  DELETED_IN_REGISTER: 'register-deleted',
  MOVED_TO_OTHER_TENANT: 'moved-to-tenant',
  MERGED: 'merged',
};

const SCHOOL_UNIT_CODE = /^\d{8}$/;
const GROUP_TYPES = new Set(['Undervisning', 'Klass', 'Mentor', 'Provgrupp', 'Schema', 'Avdelning', 'Personalgrupp', 'Övrigt']);

export function buildIdentity(facts: IdentityFacts, today: LocalDate, policy: LifecyclePolicy): BuiltIdentity {
  const { person } = facts;
  const duties = facts.duties.filter((d) => !d.deleted);
  const memberships = facts.memberships.filter((m) => !m.group.deleted);
  const orgs = facts.organisations;
  const code = (organisationId: string | null | undefined) => {
    const value = organisationId ? orgs.get(organisationId)?.schoolUnitCode?.trim() : undefined;
    return value && SCHOOL_UNIT_CODE.test(value) ? value : undefined;
  };

  const roles = deriveRoles(
    {
      enrolments: facts.enrolments.map((e) => ({ ...e, organisationId: e.organisationId })),
      duties: duties.map((d) => ({ id: d.id, organisationId: d.organisationId, dutyRole: d.dutyRole, startDate: d.startDate, endDate: d.endDate })),
      memberships: memberships
        .filter((m) => m.role === 'member')
        .map((m) => ({
          groupId: m.groupId,
          groupType: m.group.groupType,
          displayName: m.group.displayName,
          organisationId: m.group.organisationId,
          startDate: m.startDate,
          endDate: m.endDate,
          group: { startDate: m.group.startDate, endDate: m.group.endDate },
        })),
      organisations: orgs,
    },
    today,
  );

  const lifecycle = evaluateLifecycle(
    facts.current,
    {
      hasActiveRole: roles.hasActiveRole,
      lastRoleEnd: roles.lastRoleEnd,
      lastEndedRoleWasEnrolment: roles.lastEndedRoleWasEnrolment,
      personStatus: person.personStatus,
      deletedInRegister: person.deleted,
      movedToOtherTenant: facts.movedToOtherTenant,
      mergedIntoOther: facts.mergedIntoOther ?? false,
    },
    today,
    policy,
  );

  const protection = deriveProtection([
    person.securityMarking,
    ...memberships.map((m) => m.securityMarking),
    ...duties.map((d) => d.personSecurityMarking),
  ]);
  const normalized = normalizePersonNames(person);
  const real = {
    givenName: normalized.givenName || normalized.familyName || '-',
    familyName: normalized.familyName || normalized.givenName || '-',
  };
  const shown = toPublishedNames(real, protection.protected, facts.neutralNames);
  const civic = parseCivicNumber(person.civicNo);
  // By what the person has been, not only is today, so a leaver's address does not flip.
  const published = choosePublishedEmail(person.emails, { student: facts.enrolments.length > 0, staff: duties.length > 0 });

  const schoolUnits = roles.schoolUnits
    .filter((u) => u.schoolUnitCode)
    .map((u) => {
      const municipalityCode = orgs.get(u.organisationId)?.municipalityCode?.trim();
      return {
        organisationId: u.organisationId,
        schoolUnitCode: u.schoolUnitCode!,
        displayName: u.displayName || u.schoolUnitCode!,
        ...(municipalityCode && /^\d{4}$/.test(municipalityCode) ? { municipalityCode } : {}),
        roles: [...(u.student ? (['student'] as const) : []), ...(u.staff ? (['staff'] as const) : [])],
      };
    });

  const klassGroup = roles.klass ? memberships.find((m) => m.groupId === roles.klass!.groupId) : undefined;
  const klassCode = code(klassGroup?.group.organisationId);

  const groupsById = new Map<string, IdentityBody['groups'][number]>();
  for (const m of memberships) {
    if (!m.group.organisationId || !GROUP_TYPES.has(m.group.groupType)) continue;
    if (!isActiveOn(m, today) || !isActiveOn(m.group, today)) continue;
    const role = m.role === 'teacher' || m.role === 'mentor' ? m.role : 'member';
    const key = `${m.groupId}|${role}`;
    groupsById.set(key, { groupId: m.groupId, displayName: m.group.displayName, groupType: m.group.groupType, organisationId: m.group.organisationId, role });
  }

  const enrolments = facts.enrolments
    .filter((e) => isActiveOn(e, today) && code(e.organisationId) && e.startDate)
    .map((e) => ({
      organisationId: e.organisationId,
      schoolUnitCode: code(e.organisationId)!,
      schoolType: e.schoolType ?? 'Okänd',
      ...(e.schoolYear != null && e.schoolYear >= 0 && e.schoolYear <= 13 ? { schoolYear: e.schoolYear } : {}),
      ...(e.programme ? { programme: e.programme } : {}),
      startDate: e.startDate!,
      ...(e.endDate ? { endDate: e.endDate } : {}),
    }))
    .sort((a, b) => a.organisationId.localeCompare(b.organisationId) || a.startDate.localeCompare(b.startDate) || a.schoolType.localeCompare(b.schoolType));

  const activeDuties = duties
    .filter((d) => isActiveOn(d, today) && d.startDate)
    .map((d) => {
      const unitCode = code(d.organisationId);
      return {
        dutyId: d.id,
        organisationId: d.organisationId,
        ...(unitCode ? { schoolUnitCode: unitCode } : {}),
        dutyRole: d.dutyRole,
        ...(d.signature ? { signature: d.signature } : {}),
        ...(d.dutyPercent != null && d.dutyPercent >= 0 && d.dutyPercent <= 100 ? { dutyPercent: d.dutyPercent } : {}),
        startDate: d.startDate!,
        ...(d.endDate ? { endDate: d.endDate } : {}),
      };
    })
    .sort((a, b) => a.dutyId.localeCompare(b.dutyId));

  const status = lifecycle.status;
  const body: IdentityBody = {
    identityId: facts.identityId,
    tenant: facts.tenant,
    status: status.state,
    statusCause: STATUS_CAUSE[status.cause],
    names: { givenName: shown.givenName, familyName: shown.familyName, displayName: `${shown.givenName} ${shown.familyName}`, protected: protection.protected },
    // A protected person's address usually spells the real name: never published.
    ...(published.email && !protection.protected ? { email: published.email } : {}),
    affiliations: roles.affiliations,
    schoolUnits,
    ...(roles.klass ? { class: { groupId: roles.klass.groupId, displayName: roles.klass.displayName, ...(klassCode ? { schoolUnitCode: klassCode } : {}) } } : {}),
    groups: [...groupsById.values()].sort((a, b) => a.groupId.localeCompare(b.groupId) || a.role.localeCompare(b.role)),
    enrolments,
    duties: activeDuties,
    sourceRefs: [{ system: 'ss12000', entity: 'Person', id: person.id, ...(person.registerId ? { registerId: person.registerId } : {}) }],
    ...(status.state === 'leaving' && status.suspendOn ? { graceEndsAt: `${status.suspendOn}T00:00:00.000Z` } : {}),
  };

  return {
    body,
    lifecycle,
    civicNumber: civic.valid ? civic.value : null,
    civicNumberProblem: civic.valid ? null : civic.problem,
    birthDate: civic.valid ? civic.birthDate : null,
    protected: protection.protected,
    nextEvaluationOn: nextEvaluationDay(facts, status, today),
    emailProblem: published.problem ?? null,
  };
}

/**
 * One body per lifecycle transition, so each transition is published as its own event with its cause
 * (a mover's leaving → suspended, a late sweep's suspended → deactivated). Intermediate bodies are the
 * final one with that step's status; a leaving step's grace ends on the day of the next transition.
 */
export function lifecycleSteps(built: BuiltIdentity): Array<{ body: IdentityBody; transitions: LifecycleDecision['transitions'] }> {
  const { transitions } = built.lifecycle;
  const steps: Array<{ body: IdentityBody; transitions: LifecycleDecision['transitions'] }> = [];
  for (let i = 0; i < transitions.length - 1; i++) {
    const { graceEndsAt: _final, ...rest } = built.body;
    const t = transitions[i]!;
    steps.push({
      body: { ...rest, status: t.to, statusCause: STATUS_CAUSE[t.cause], ...(t.to === 'leaving' ? { graceEndsAt: `${transitions[i + 1]!.on}T00:00:00.000Z` } : {}) },
      transitions: [t],
    });
  }
  steps.push({ body: built.body, transitions: transitions.slice(Math.max(0, transitions.length - 1)) });
  return steps;
}

/** The first day after today on which a start, an end (+1) or a lifecycle deadline falls. */
function nextEvaluationDay(facts: IdentityFacts, status: LifecycleStatus, today: LocalDate): LocalDate | null {
  const candidates: LocalDate[] = [];
  const periods = [
    ...facts.enrolments.filter((e) => !e.cancelled),
    ...facts.duties.filter((d) => !d.deleted),
    ...facts.memberships.flatMap((m) => [m, m.group]),
  ];
  for (const p of periods) {
    if (p.startDate && p.startDate > today) candidates.push(p.startDate);
    if (p.endDate && p.endDate >= today) candidates.push(addDays(p.endDate, 1));
  }
  if (status.state === 'leaving' && status.suspendOn) candidates.push(status.suspendOn);
  if ((status.state === 'leaving' || status.state === 'suspended') && status.deactivateOn) candidates.push(status.deactivateOn);
  const future = candidates.filter((d) => d > today).sort();
  return future[0] ?? null;
}

/** Top-level fields whose values differ (all of them when there is no previous body). */
export function changedFields(before: IdentityBody | null, after: IdentityBody): string[] {
  const keys = new Set([...Object.keys(after), ...Object.keys(before ?? {})]);
  return [...keys].filter((key) => !before || stableJson((before as unknown as Record<string, unknown>)[key]) !== stableJson((after as unknown as Record<string, unknown>)[key])).sort();
}

/** JSON with object keys sorted, so equal values always serialise equally (jsonb reorders keys). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  ) ?? 'undefined';
}
