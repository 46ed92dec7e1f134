// Record-level validation: each record of a page is checked on its own so one bad record is
// rejected with a reason while the rest of the page flows on. Reasons name the field and the
// problem, never the value of a civic number (values of enums and ids are safe to quote).
import { classifyCivicNo } from './civic-no';
import {
  ASSIGNMENT_ROLE_TYPES,
  DUTY_ROLES,
  EMAIL_TYPES,
  type EntityByPath,
  type EntityPath,
  GROUP_TYPES,
  ORGANISATION_TYPES,
  PERSON_STATUSES,
  RELATION_TYPES,
  RESOURCE_TYPE_OF,
  type ResourceType,
  SCHOOL_TYPES,
  SECURITY_MARKINGS,
  SEXES,
} from './types';

/** A record the client refused; `reason` is safe to log and publish. */
export interface RecordRejection {
  entity: ResourceType;
  /** Present when the record carried a string id (even a malformed one is quoted, it is not personal data). */
  id?: string;
  reason: string;
}

export type ValidationResult<T> = { ok: true; record: T } | { ok: false; rejection: RecordRejection };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const MAX_QUOTED = 60;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Collects problems for one record; paths look like `enrolments[1].schoolType`. */
class Problems {
  readonly list: string[] = [];

  add(path: string, problem: string): void {
    this.list.push(`${path} ${problem}`);
  }

  object(value: unknown, path: string, required: boolean): value is Record<string, unknown> {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'is missing');
      return false;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.add(path, 'is not an object');
      return false;
    }
    return true;
  }

  string(value: unknown, path: string, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'is missing');
      return;
    }
    if (typeof value !== 'string') this.add(path, 'is not a string');
    else if (required && value.trim() === '') this.add(path, 'is empty');
  }

  uuid(value: unknown, path: string, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'is missing');
      return;
    }
    if (!isUuid(value)) this.add(path, 'is not a uuid');
  }

  date(value: unknown, path: string, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'is missing');
      return;
    }
    if (typeof value !== 'string' || !FULL_DATE.test(value) || Number.isNaN(Date.parse(value))) {
      this.add(path, 'is not a date (YYYY-MM-DD)');
    }
  }

  dateTime(value: unknown, path: string, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'is missing');
      return;
    }
    if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      this.add(path, 'is not an RFC 3339 date-time');
    }
  }

  oneOf(value: unknown, allowed: readonly string[], path: string, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'is missing');
      return;
    }
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.add(path, `has unknown value ${quote(value)}`);
    }
  }

  integer(value: unknown, path: string): void {
    if (value !== undefined && value !== null && !Number.isInteger(value))
      this.add(path, 'is not an integer');
  }

  boolean(value: unknown, path: string): void {
    if (value !== undefined && value !== null && typeof value !== 'boolean')
      this.add(path, 'is not a boolean');
  }

  array(value: unknown, path: string): value is unknown[] {
    if (value === undefined || value === null) return false;
    if (!Array.isArray(value)) {
      this.add(path, 'is not an array');
      return false;
    }
    return true;
  }

  reference(value: unknown, path: string, required: boolean, withMarking = false): void {
    if (!this.object(value, path, required)) return;
    this.uuid(value.id, `${path}.id`, true);
    if (withMarking) this.oneOf(value.securityMarking, SECURITY_MARKINGS, `${path}.securityMarking`, false);
  }

  meta(value: unknown): void {
    if (!this.object(value, 'meta', true)) return;
    this.dateTime(value.created, 'meta.created', true);
    this.dateTime(value.modified, 'meta.modified', true);
  }
}

/** Masks digit runs long enough to be (part of) a civic number, in case a register put one in the wrong field. */
export function redactDigits(text: string): string {
  return text.replace(/\d[\d-]{4,}\d/g, (run) => '#'.repeat(run.length));
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(redactDigits(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text));
}

function checkPerson(r: Record<string, unknown>, p: Problems): void {
  p.meta(r.meta);
  p.string(r.givenName, 'givenName', true);
  p.string(r.familyName, 'familyName', true);
  p.string(r.middleName, 'middleName', false);
  p.date(r.birthDate, 'birthDate', false);
  p.oneOf(r.sex, SEXES, 'sex', false);
  p.oneOf(r.securityMarking, SECURITY_MARKINGS, 'securityMarking', false);
  p.oneOf(r.personStatus, PERSON_STATUSES, 'personStatus', false);
  if (r.civicNo !== undefined && r.civicNo !== null && p.object(r.civicNo, 'civicNo', false)) {
    // Never quote the value: the reason is published and logged.
    if (typeof r.civicNo.value !== 'string') p.add('civicNo.value', 'is missing');
    else if (!classifyCivicNo(r.civicNo.value))
      p.add('civicNo.value', 'is not a valid personnummer or samordningsnummer');
  }
  if (p.array(r.eduPersonPrincipalNames, 'eduPersonPrincipalNames')) {
    r.eduPersonPrincipalNames.forEach((v, i) => p.string(v, `eduPersonPrincipalNames[${i}]`, true));
  }
  if (p.array(r.externalIdentifiers, 'externalIdentifiers')) {
    r.externalIdentifiers.forEach((v, i) => {
      const path = `externalIdentifiers[${i}]`;
      if (!p.object(v, path, true)) return;
      p.string(v.value, `${path}.value`, true);
      p.string(v.context, `${path}.context`, true);
      p.boolean(v.globallyUnique, `${path}.globallyUnique`);
    });
  }
  if (p.array(r.emails, 'emails')) {
    r.emails.forEach((v, i) => {
      const path = `emails[${i}]`;
      if (!p.object(v, path, true)) return;
      p.string(v.value, `${path}.value`, true);
      p.oneOf(v.type, EMAIL_TYPES, `${path}.type`, true);
    });
  }
  if (p.array(r.enrolments, 'enrolments')) {
    r.enrolments.forEach((v, i) => {
      const path = `enrolments[${i}]`;
      if (!p.object(v, path, true)) return;
      p.reference(v.enroledAt, `${path}.enroledAt`, true);
      p.oneOf(v.schoolType, SCHOOL_TYPES, `${path}.schoolType`, true);
      p.date(v.startDate, `${path}.startDate`, true);
      p.date(v.endDate, `${path}.endDate`, false);
      p.integer(v.schoolYear, `${path}.schoolYear`);
      p.boolean(v.cancelled, `${path}.cancelled`);
      p.reference(v.programme, `${path}.programme`, false);
    });
  }
  if (p.array(r.responsibles, 'responsibles')) {
    r.responsibles.forEach((v, i) => {
      const path = `responsibles[${i}]`;
      if (!p.object(v, path, true)) return;
      p.reference(v.person, `${path}.person`, false, true);
      p.oneOf(v.relationType, RELATION_TYPES, `${path}.relationType`, false);
    });
  }
}

function checkOrganisation(r: Record<string, unknown>, p: Problems): void {
  p.meta(r.meta);
  p.string(r.displayName, 'displayName', true);
  p.oneOf(r.organisationType, ORGANISATION_TYPES, 'organisationType', true);
  p.reference(r.parentOrganisation, 'parentOrganisation', false);
  if (r.schoolUnitCode !== undefined && r.schoolUnitCode !== null) {
    if (typeof r.schoolUnitCode !== 'string' || !/^\d{8}$/.test(r.schoolUnitCode)) {
      p.add('schoolUnitCode', 'is not 8 digits');
    }
  }
  if (p.array(r.schoolTypes, 'schoolTypes')) {
    r.schoolTypes.forEach((v, i) => p.oneOf(v, SCHOOL_TYPES, `schoolTypes[${i}]`, true));
  }
  p.string(r.municipalityCode, 'municipalityCode', false);
  p.date(r.startDate, 'startDate', false);
  p.date(r.endDate, 'endDate', false);
}

function checkGroup(r: Record<string, unknown>, p: Problems): void {
  p.meta(r.meta);
  p.string(r.displayName, 'displayName', true);
  p.oneOf(r.groupType, GROUP_TYPES, 'groupType', true);
  p.reference(r.organisation, 'organisation', true);
  p.oneOf(r.schoolType, SCHOOL_TYPES, 'schoolType', false);
  p.date(r.startDate, 'startDate', true);
  p.date(r.endDate, 'endDate', false);
  if (p.array(r.groupMemberships, 'groupMemberships')) {
    r.groupMemberships.forEach((v, i) => {
      const path = `groupMemberships[${i}]`;
      if (!p.object(v, path, true)) return;
      p.reference(v.person, `${path}.person`, true, true);
      p.date(v.startDate, `${path}.startDate`, false);
      p.date(v.endDate, `${path}.endDate`, false);
    });
  }
}

function checkDuty(r: Record<string, unknown>, p: Problems): void {
  p.meta(r.meta);
  p.reference(r.dutyAt, 'dutyAt', true);
  p.oneOf(r.dutyRole, DUTY_ROLES, 'dutyRole', true);
  p.reference(r.person, 'person', false, true);
  p.date(r.startDate, 'startDate', true);
  p.date(r.endDate, 'endDate', false);
  p.integer(r.dutyPercent, 'dutyPercent');
  p.integer(r.hoursPerYear, 'hoursPerYear');
  if (p.array(r.assignmentRole, 'assignmentRole')) {
    r.assignmentRole.forEach((v, i) => {
      const path = `assignmentRole[${i}]`;
      if (!p.object(v, path, true)) return;
      p.reference(v.group, `${path}.group`, true);
      p.oneOf(v.assignmentRoleType, ASSIGNMENT_ROLE_TYPES, `${path}.assignmentRoleType`, true);
      p.date(v.startDate, `${path}.startDate`, false);
      p.date(v.endDate, `${path}.endDate`, false);
    });
  }
}

const CHECKS: Record<EntityPath, (r: Record<string, unknown>, p: Problems) => void> = {
  persons: checkPerson,
  organisations: checkOrganisation,
  groups: checkGroup,
  duties: checkDuty,
};

/** Validates one record of the given entity; the record is passed through unchanged when valid. */
export function validateRecord<P extends EntityPath>(
  entity: P,
  raw: unknown,
): ValidationResult<EntityByPath[P]> {
  const resource = RESOURCE_TYPE_OF[entity];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, rejection: { entity: resource, reason: 'record is not an object' } };
  }
  const record = raw as Record<string, unknown>;
  const rawId: unknown = record.id;
  const id =
    typeof rawId !== 'string' ? undefined : UUID.test(rawId) ? rawId : redactDigits(rawId.slice(0, 100));
  const problems = new Problems();
  problems.uuid(record.id, 'id', true);
  CHECKS[entity](record, problems);
  if (problems.list.length > 0) {
    return {
      ok: false,
      rejection: { entity: resource, ...(id !== undefined && { id }), reason: problems.list.join('; ') },
    };
  }
  return { ok: true, record: raw as EntityByPath[P] };
}
