import { toLocalDateOrUndefined, type LocalDate } from '@skolkonto/domain';
import { NormalizerError } from './normalizer.errors';

/**
 * Turns SS 12000 records as received into the projection rows the normalizer stores. Only the
 * fields the identity needs are kept; a record missing a required field is rejected with a reason
 * that never contains personal data.
 */
export interface PersonRow {
  id: string;
  givenName: string | null;
  middleName: string | null;
  familyName: string | null;
  civicNo: string | null;
  securityMarking: string | null;
  personStatus: string | null;
  emails: Array<{ value: string; type: string | null }>;
  modified: string | null;
  enrolments: EnrolmentRow[];
}

export interface EnrolmentRow {
  organisationId: string;
  schoolType: string | null;
  schoolYear: number | null;
  programme: string | null;
  startDate: LocalDate | null;
  endDate: LocalDate | null;
  cancelled: boolean;
}

export interface OrganisationRow {
  id: string;
  displayName: string;
  organisationType: string | null;
  schoolUnitCode: string | null;
  municipalityCode: string | null;
  parentId: string | null;
  modified: string | null;
}

export interface MembershipRow {
  personId: string;
  role: 'member' | 'teacher' | 'mentor';
  startDate: LocalDate | null;
  endDate: LocalDate | null;
  securityMarking: string | null;
}

export interface GroupRow {
  id: string;
  displayName: string;
  groupType: string;
  organisationId: string | null;
  startDate: LocalDate | null;
  endDate: LocalDate | null;
  memberships: MembershipRow[];
  modified: string | null;
}

export interface AssignmentRow {
  groupId: string;
  role: 'teacher' | 'mentor';
  startDate: LocalDate | null;
  endDate: LocalDate | null;
}

export interface DutyRow {
  id: string;
  personId: string | null;
  personSecurityMarking: string | null;
  organisationId: string;
  dutyRole: string;
  signature: string | null;
  dutyPercent: number | null;
  startDate: LocalDate | null;
  endDate: LocalDate | null;
  assignments: AssignmentRow[];
  modified: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Raw = Record<string, unknown>;

function obj(value: unknown): Raw | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}
function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function date(value: unknown): LocalDate | null {
  return typeof value === 'string' ? (toLocalDateOrUndefined(value) ?? null) : null;
}
function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}
function refId(value: unknown): string | null {
  const id = obj(value)?.id;
  return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : null;
}
function recordId(raw: Raw, entity: string): string {
  const id = raw.id;
  if (typeof id !== 'string' || !UUID.test(id)) throw new NormalizerError('INVALID_RECORD', `${entity} record has no uuid id`);
  return id.toLowerCase();
}
function modified(raw: Raw): string | null {
  return str(obj(raw.meta)?.modified);
}

export function parsePerson(raw: Raw): PersonRow {
  const id = recordId(raw, 'Person');
  const enrolments: EnrolmentRow[] = [];
  for (const [index, value] of arr(raw.enrolments).entries()) {
    const e = obj(value);
    const organisationId = refId(e?.enroledAt);
    if (!e || !organisationId) throw new NormalizerError('INVALID_RECORD', `Person ${id}: enrolments[${index}] has no enroledAt.id`, { reason: 'MISSING_REFERENCE' });
    const programme = obj(e.programme);
    enrolments.push({
      organisationId,
      schoolType: str(e.schoolType),
      schoolYear: int(e.schoolYear),
      programme: str(programme?.code) ?? str(programme?.displayName) ?? str(e.educationCode),
      startDate: date(e.startDate),
      endDate: date(e.endDate),
      cancelled: e.cancelled === true,
    });
  }
  return {
    id,
    givenName: str(raw.givenName),
    middleName: str(raw.middleName),
    familyName: str(raw.familyName),
    civicNo: str(obj(raw.civicNo)?.value),
    securityMarking: str(raw.securityMarking),
    personStatus: str(raw.personStatus),
    emails: arr(raw.emails).flatMap((value) => {
      const e = obj(value);
      const v = str(e?.value);
      return v ? [{ value: v, type: str(e?.type) }] : [];
    }),
    modified: modified(raw),
    enrolments,
  };
}

export function parseOrganisation(raw: Raw): OrganisationRow {
  const id = recordId(raw, 'Organisation');
  const displayName = str(raw.displayName);
  if (!displayName) throw new NormalizerError('INVALID_RECORD', `Organisation ${id} has no displayName`, { reason: 'MISSING_FIELD' });
  return {
    id,
    displayName: displayName.normalize('NFC').trim(),
    organisationType: str(raw.organisationType),
    schoolUnitCode: str(raw.schoolUnitCode)?.trim() ?? null,
    municipalityCode: str(raw.municipalityCode)?.trim() ?? null,
    parentId: refId(raw.parentOrganisation),
    modified: modified(raw),
  };
}

export function parseGroup(raw: Raw): GroupRow {
  const id = recordId(raw, 'Group');
  const displayName = str(raw.displayName);
  const groupType = str(raw.groupType);
  if (!displayName || !groupType) throw new NormalizerError('INVALID_RECORD', `Group ${id} lacks displayName or groupType`, { reason: 'MISSING_FIELD' });
  const memberships: MembershipRow[] = [];
  for (const value of arr(raw.groupMemberships)) {
    const m = obj(value);
    const person = obj(m?.person);
    const personId = refId(person);
    if (!m || !personId) throw new NormalizerError('INVALID_RECORD', `Group ${id}: a membership has no person.id`, { reason: 'MISSING_REFERENCE' });
    memberships.push({ personId, role: 'member', startDate: date(m.startDate), endDate: date(m.endDate), securityMarking: str(person?.securityMarking) });
  }
  return {
    id,
    displayName: displayName.normalize('NFC').trim(),
    groupType,
    organisationId: refId(raw.organisation),
    startDate: date(raw.startDate),
    endDate: date(raw.endDate),
    memberships,
    modified: modified(raw),
  };
}

export function parseDuty(raw: Raw): DutyRow {
  const id = recordId(raw, 'Duty');
  const organisationId = refId(raw.dutyAt);
  const dutyRole = str(raw.dutyRole);
  if (!organisationId || !dutyRole) throw new NormalizerError('INVALID_RECORD', `Duty ${id} lacks dutyAt.id or dutyRole`, { reason: 'MISSING_FIELD' });
  const person = obj(raw.person);
  return {
    id,
    personId: refId(person),
    personSecurityMarking: str(person?.securityMarking),
    organisationId,
    dutyRole: dutyRole.normalize('NFC').trim(),
    signature: str(raw.signature),
    dutyPercent: int(raw.dutyPercent),
    startDate: date(raw.startDate),
    endDate: date(raw.endDate),
    assignments: arr(raw.assignmentRole).flatMap((value) => {
      const a = obj(value);
      const groupId = refId(a?.group);
      if (!a || !groupId) return [];
      const type = str(a.assignmentRoleType)?.toLowerCase() ?? '';
      return [{ groupId, role: type.includes('mentor') ? ('mentor' as const) : ('teacher' as const), startDate: date(a.startDate), endDate: date(a.endDate) }];
    }),
    modified: modified(raw),
  };
}
