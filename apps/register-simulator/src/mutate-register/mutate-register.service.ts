// Changes to a simulated register the way they happen in a real school year: a pupil is enrolled,
// changes class, is renamed, leaves school, moves to another municipality, gets a protected
// identity, dies or emigrates, or a record is deleted outright. Each runs as one store mutation,
// so it bumps meta.modified of exactly the entities it touches and fires the webhooks once.
import { randomUUID } from 'node:crypto';
import {
  computeLuhnCheckDigit,
  ENTITY_PATHS,
  type EntityPath,
  type Group,
  type Organisation,
  type Person,
  type PersonStatus,
  PERSON_STATUSES,
  SECURITY_MARKINGS,
  type SecurityMarking,
} from '@skolkonto/ss12000';
import type { ChangeSet, MutationDraft, RegisterStore } from '../register-store/register-store.service';
import { ApiError } from '../serve-register/list-query';

export interface MutationOutcome {
  change: ChangeSet;
  [key: string]: unknown;
}

export interface EnrolInput {
  personId?: string;
  givenName?: string;
  middleName?: string;
  familyName?: string;
  /** Only for new pupils; a valid one is generated when absent. Never logged. */
  civicNo?: string;
  /** School unit id or 8-digit school unit code; default: the first unit taking that school year. */
  schoolUnit?: string;
  schoolYear?: number;
  classId?: string;
  startDate?: string;
}

const today = () => new Date().toISOString().slice(0, 10);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayBefore(date: string): string {
  return new Date(Date.parse(date) - 86_400_000).toISOString().slice(0, 10);
}

function isActive(m: { endDate?: string; cancelled?: boolean }, on: string): boolean {
  return !m.cancelled && (m.endDate === undefined || m.endDate >= on);
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ApiError(400, 'INVALID_PARAMETER', `${name} is required`);
  return value;
}

function checkDate(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && !DATE.test(value))
    throw new ApiError(400, 'INVALID_PARAMETER', `${name} must be YYYY-MM-DD`);
  return value;
}

export class MutateRegisterService {
  constructor(private readonly store: RegisterStore) {}

  private requireTenant(tenant: string): void {
    if (!this.store.register(tenant))
      throw new ApiError(404, 'UNKNOWN_TENANT', `no register for tenant ${tenant}`);
  }

  private person(draft: MutationDraft, id: string): Person {
    const person = draft.get<Person>('persons', id);
    if (!person) throw new ApiError(404, 'NOT_FOUND', `no person ${id}`);
    return person;
  }

  private unit(draft: MutationDraft, ref: string | undefined, schoolYear: number | undefined): Organisation {
    const units = draft.all<Organisation>('organisations', (o) => o.organisationType === 'Skolenhet');
    if (ref) {
      const unit = units.find((u) => u.id === ref || u.schoolUnitCode === ref);
      if (!unit) throw new ApiError(404, 'NOT_FOUND', `no school unit ${ref}`);
      return unit;
    }
    const takes = (u: Organisation) => {
      const types = u.schoolTypes ?? [];
      if (schoolYear === undefined) return true;
      if (schoolYear === 0) return types.includes('FKLASS');
      if (types.includes('GY')) return false;
      const stage = u.displayName.match(/(F-6|F-9|7-9)$/)?.[1];
      return stage === 'F-9' || (stage === 'F-6' ? schoolYear <= 6 : schoolYear >= 7);
    };
    const unit = units.sort((a, b) => (a.id < b.id ? -1 : 1)).find(takes);
    if (!unit) throw new ApiError(409, 'NO_SCHOOL_UNIT', 'no school unit takes that school year');
    return unit;
  }

  private classes(draft: MutationDraft, unitId?: string): Group[] {
    return draft.all<Group>(
      'groups',
      (g) =>
        g.groupType === 'Klass' && (unitId === undefined || (g.organisation as { id: string }).id === unitId),
    );
  }

  /** Ends the person's active memberships in Klass groups (a pupil is in at most one Klass). */
  private endClassMemberships(
    draft: MutationDraft,
    personId: string,
    endDate: string,
    exceptGroup?: string,
  ): string[] {
    const ended: string[] = [];
    for (const group of draft.all<Group>(
      'groups',
      (g) => g.groupType === 'Klass' && hasActiveMember(g as unknown as Group, personId, endDate),
    )) {
      if (group.id === exceptGroup) continue;
      for (const m of group.groupMemberships ?? []) {
        if (m.person.id === personId && isActive(m, endDate)) m.endDate = endDate;
      }
      draft.put('groups', group);
      ended.push(group.id);
    }
    return ended;
  }

  private endAllMemberships(draft: MutationDraft, personId: string, endDate: string): string[] {
    const ended: string[] = [];
    for (const group of draft.all<Group>('groups', (g) =>
      hasActiveMember(g as unknown as Group, personId, endDate),
    )) {
      for (const m of group.groupMemberships ?? []) {
        if (m.person.id === personId && isActive(m, endDate)) m.endDate = endDate;
      }
      draft.put('groups', group);
      ended.push(group.id);
    }
    return ended;
  }

  private addToClass(
    draft: MutationDraft,
    person: Person,
    classId: string | undefined,
    unit: Organisation,
    schoolYear: number | undefined,
    startDate: string,
  ): string | undefined {
    let klass: Group | undefined;
    if (classId) {
      klass = draft.get<Group>('groups', classId);
      if (!klass || klass.groupType !== 'Klass') throw new ApiError(404, 'NOT_FOUND', `no class ${classId}`);
    } else {
      const prefix = schoolYear === undefined ? '' : schoolYear === 0 ? 'F' : String(schoolYear);
      klass = this.classes(draft, unit.id)
        .sort((a, b) => a.displayName.localeCompare(b.displayName, 'sv'))
        .find(
          (g) =>
            (schoolYear === undefined || g.displayName.startsWith(prefix)) &&
            !/^\d/.test(g.displayName.slice(prefix.length)),
        );
    }
    if (!klass) return undefined;
    const memberships = (klass.groupMemberships ??= []);
    memberships.push({
      person: { id: person.id, securityMarking: person.securityMarking ?? 'Ingen' },
      startDate,
    });
    draft.put('groups', klass);
    return klass.id;
  }

  async enrol(tenant: string, input: EnrolInput): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const startDate = checkDate(input.startDate, 'startDate') ?? today();
    const schoolYear = input.schoolYear === undefined ? undefined : Number(input.schoolYear);
    if (schoolYear !== undefined && (!Number.isInteger(schoolYear) || schoolYear < 0 || schoolYear > 9)) {
      throw new ApiError(
        400,
        'INVALID_PARAMETER',
        'schoolYear must be 0 to 9 (use a GY unit for upper secondary years 1-3)',
      );
    }
    const { result, change } = await this.store.mutate(tenant, (draft) => {
      const unit = this.unit(draft, input.schoolUnit, schoolYear);
      const gy = unit.schoolTypes?.includes('GY') ?? false;
      let person: Person;
      if (input.personId) {
        person = this.person(draft, input.personId);
      } else {
        const birthYear = new Date().getUTCFullYear() - 7 - (schoolYear ?? 1) - (gy ? 9 : 0);
        person = {
          id: randomUUID(),
          givenName: requireString(input.givenName, 'givenName'),
          ...(input.middleName && { middleName: input.middleName }),
          familyName: requireString(input.familyName, 'familyName'),
          civicNo: { value: input.civicNo ?? this.freshCivicNo(draft, birthYear), nationality: 'SE' },
          birthDate: input.civicNo
            ? `${input.civicNo.slice(0, 4)}-${input.civicNo.slice(4, 6)}-${String(Number(input.civicNo.slice(6, 8)) % 60).padStart(2, '0')}`
            : undefined,
          sex: 'Okänt',
          securityMarking: 'Ingen',
          personStatus: 'Aktiv',
        } as Person;
        if (person.birthDate === undefined)
          person.birthDate = `${person.civicNo!.value.slice(0, 4)}-${person.civicNo!.value.slice(4, 6)}-${person.civicNo!.value.slice(6, 8)}`;
      }
      person.enrolments = [
        ...(person.enrolments ?? []),
        {
          enroledAt: { id: unit.id },
          schoolType: gy ? 'GY' : schoolYear === 0 ? 'FKLASS' : 'GR',
          startDate,
          ...(schoolYear !== undefined && { schoolYear }),
        },
      ];
      draft.put('persons', person);
      this.endClassMemberships(draft, person.id, dayBefore(startDate));
      const classId = this.addToClass(draft, person, input.classId, unit, schoolYear, startDate);
      return { personId: person.id, schoolUnitId: unit.id, classId };
    });
    return { ...result, change };
  }

  async changeClass(
    tenant: string,
    personId: string,
    input: { classId?: string; date?: string },
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const classId = requireString(input.classId, 'classId');
    const date = checkDate(input.date, 'date') ?? today();
    const { result, change } = await this.store.mutate(tenant, (draft) => {
      const person = this.person(draft, personId);
      const target = draft.get<Group>('groups', classId);
      if (!target || target.groupType !== 'Klass')
        throw new ApiError(404, 'NOT_FOUND', `no class ${classId}`);
      if (hasActiveMember(target, personId, date))
        throw new ApiError(409, 'ALREADY_MEMBER', 'the pupil is already in that class');
      const from = this.endClassMemberships(draft, personId, dayBefore(date), classId);
      const unit = draft.get<Organisation>('organisations', target.organisation.id)!;
      this.addToClass(draft, person, classId, unit, undefined, date);
      return { fromClassIds: from, toClassId: classId };
    });
    return { ...result, change };
  }

  async rename(
    tenant: string,
    personId: string,
    input: { givenName?: string; middleName?: string | null; familyName?: string },
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    if (input.givenName === undefined && input.familyName === undefined && input.middleName === undefined) {
      throw new ApiError(400, 'INVALID_PARAMETER', 'give givenName, middleName or familyName');
    }
    const { change } = await this.store.mutate(tenant, (draft) => {
      const person = this.person(draft, personId);
      if (input.givenName !== undefined) person.givenName = requireString(input.givenName, 'givenName');
      if (input.familyName !== undefined) person.familyName = requireString(input.familyName, 'familyName');
      if (input.middleName === null || input.middleName === '') delete person.middleName;
      else if (input.middleName !== undefined) person.middleName = input.middleName;
      draft.put('persons', person);
    });
    return { change };
  }

  /** The pupil leaves school: every open enrolment and group membership ends (inclusive) on endDate. */
  async leave(tenant: string, personId: string, input: { endDate?: string }): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const endDate = checkDate(input.endDate, 'endDate') ?? today();
    const { change } = await this.store.mutate(tenant, (draft) =>
      this.endEverything(draft, personId, endDate),
    );
    return { change };
  }

  private endEverything(draft: MutationDraft, personId: string, endDate: string): Person {
    const person = this.person(draft, personId);
    for (const e of person.enrolments ?? []) if (isActive(e, endDate)) e.endDate = endDate;
    draft.put('persons', person);
    this.endAllMemberships(draft, personId, endDate);
    return person;
  }

  /**
   * The pupil moves to another municipality: enrolments end here, and the other register gets the
   * person (found by civic number, else created with a new id) enrolled at one of its units.
   */
  async move(
    tenant: string,
    personId: string,
    input: { toTenant?: string; schoolUnit?: string; schoolYear?: number; date?: string },
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const toTenant = requireString(input.toTenant, 'toTenant');
    this.requireTenant(toTenant);
    if (toTenant === tenant) throw new ApiError(400, 'INVALID_PARAMETER', 'toTenant must be another tenant');
    const date = checkDate(input.date, 'date') ?? today();
    const left = await this.store.mutate(tenant, (draft) => {
      const person = this.endEverything(draft, personId, dayBefore(date));
      const current = (person.enrolments ?? []).filter((e) => !e.cancelled).at(-1);
      return { person, schoolYear: input.schoolYear ?? current?.schoolYear };
    });
    const moving = left.result.person;
    const existing = [...this.store.register(toTenant)!.docs.persons.values()].find(
      (p) => moving.civicNo && (p.civicNo as { value?: string } | undefined)?.value === moving.civicNo.value,
    );
    const schoolYear =
      left.result.schoolYear !== undefined && left.result.schoolYear <= 9
        ? left.result.schoolYear
        : undefined;
    let targetPersonId = existing?.id;
    if (!existing) {
      const created = await this.store.mutate(toTenant, (draft) => {
        const copy: Person = {
          id: randomUUID(),
          givenName: moving.givenName,
          ...(moving.middleName && { middleName: moving.middleName }),
          familyName: moving.familyName,
          ...(moving.civicNo && { civicNo: moving.civicNo }),
          ...(moving.birthDate && { birthDate: moving.birthDate }),
          ...(moving.sex && { sex: moving.sex }),
          securityMarking: moving.securityMarking ?? 'Ingen',
          personStatus: 'Aktiv',
        };
        draft.put('persons', copy);
        return copy.id;
      });
      targetPersonId = created.result;
    }
    const enrolled = await this.enrol(toTenant, {
      personId: targetPersonId,
      schoolUnit: input.schoolUnit,
      schoolYear,
      startDate: date,
    });
    return { change: left.change, toTenant, toPersonId: targetPersonId, toChange: enrolled.change };
  }

  /** Protected identity: the marking changes on the person and on every reference to them. */
  async protect(
    tenant: string,
    personId: string,
    input: { securityMarking?: string },
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const marking = (input.securityMarking ?? 'Skyddad folkbokföring') as SecurityMarking;
    if (!SECURITY_MARKINGS.includes(marking)) {
      throw new ApiError(
        400,
        'INVALID_PARAMETER',
        `securityMarking must be one of ${SECURITY_MARKINGS.join(', ')}`,
      );
    }
    const { change } = await this.store.mutate(tenant, (draft) => {
      const person = this.person(draft, personId);
      person.securityMarking = marking;
      draft.put('persons', person);
      for (const group of draft.all<Group>('groups', (g) => hasMember(g as unknown as Group, personId))) {
        for (const m of group.groupMemberships ?? [])
          if (m.person.id === personId) m.person.securityMarking = marking;
        draft.put('groups', group);
      }
      for (const duty of draft.all<{ id: string; person?: { id: string; securityMarking?: string } }>(
        'duties',
        (d) => (d.person as { id?: string } | undefined)?.id === personId,
      )) {
        duty.person!.securityMarking = marking;
        draft.put('duties', duty);
      }
    });
    return { change };
  }

  /** personStatus Avliden or Utvandrad also ends enrolments and memberships on `date`. */
  async setStatus(
    tenant: string,
    personId: string,
    input: { personStatus?: string; date?: string },
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const status = input.personStatus as PersonStatus;
    if (!PERSON_STATUSES.includes(status)) {
      throw new ApiError(
        400,
        'INVALID_PARAMETER',
        `personStatus must be one of ${PERSON_STATUSES.join(', ')}`,
      );
    }
    const date = checkDate(input.date, 'date') ?? today();
    const { change } = await this.store.mutate(tenant, (draft) => {
      const person =
        status === 'Aktiv' ? this.person(draft, personId) : this.endEverything(draft, personId, date);
      person.personStatus = status;
      draft.put('persons', person);
    });
    return { change };
  }

  /** Deletes a record; deleting a person also drops their memberships and duties. */
  async remove(tenant: string, entity: string, id: string): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const path = checkEntity(entity);
    const { change } = await this.store.mutate(tenant, (draft) => {
      if (!draft.get(path, id)) throw new ApiError(404, 'NOT_FOUND', `no ${path} ${id}`);
      draft.remove(path, id);
      if (path === 'persons') {
        for (const group of draft.all<Group>('groups', (g) => hasMember(g as unknown as Group, id))) {
          group.groupMemberships = (group.groupMemberships ?? []).filter((m) => m.person.id !== id);
          draft.put('groups', group);
        }
        for (const duty of draft.all('duties', (d) => (d.person as { id?: string } | undefined)?.id === id))
          draft.remove('duties', duty.id);
      }
    });
    return { change };
  }

  async addMember(
    tenant: string,
    groupId: string,
    input: { personId?: string; startDate?: string },
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const personId = requireString(input.personId, 'personId');
    const startDate = checkDate(input.startDate, 'startDate') ?? today();
    const { change } = await this.store.mutate(tenant, (draft) => {
      const person = this.person(draft, personId);
      const group = draft.get<Group>('groups', groupId);
      if (!group) throw new ApiError(404, 'NOT_FOUND', `no group ${groupId}`);
      if (hasActiveMember(group, personId, startDate))
        throw new ApiError(409, 'ALREADY_MEMBER', 'already a member');
      (group.groupMemberships ??= []).push({
        person: { id: person.id, securityMarking: person.securityMarking ?? 'Ingen' },
        startDate,
      });
      draft.put('groups', group);
    });
    return { change };
  }

  /** Removes a membership outright (a correction), unlike leave/change-class which end it. */
  async removeMember(tenant: string, groupId: string, personId: string): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const { change } = await this.store.mutate(tenant, (draft) => {
      const group = draft.get<Group>('groups', groupId);
      if (!group) throw new ApiError(404, 'NOT_FOUND', `no group ${groupId}`);
      if (!hasMember(group, personId)) throw new ApiError(404, 'NOT_FOUND', 'not a member');
      group.groupMemberships = (group.groupMemberships ?? []).filter((m) => m.person.id !== personId);
      draft.put('groups', group);
    });
    return { change };
  }

  /**
   * Stores a document exactly as given (tests serving invalid records). meta is stamped unless
   * `rawMeta`, so a record without meta, or with odd times, can be served too.
   */
  async putRaw(
    tenant: string,
    entity: string,
    id: string,
    document: unknown,
    rawMeta: boolean,
  ): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const path = checkEntity(entity);
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new ApiError(400, 'INVALID_PARAMETER', 'body must be a JSON object');
    }
    const { change } = await this.store.mutate(tenant, (draft) => {
      draft.put(path, { ...(document as object), id }, { rawMeta });
    });
    return { change };
  }

  /** Merges top-level fields into a stored document (null removes a field). */
  async patchRaw(tenant: string, entity: string, id: string, patch: unknown): Promise<MutationOutcome> {
    this.requireTenant(tenant);
    const path = checkEntity(entity);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ApiError(400, 'INVALID_PARAMETER', 'body must be a JSON object');
    }
    const { change } = await this.store.mutate(tenant, (draft) => {
      const doc = draft.get<Record<string, unknown>>(path, id);
      if (!doc) throw new ApiError(404, 'NOT_FOUND', `no ${path} ${id}`);
      for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
        if (key === 'id') continue;
        if (value === null) delete doc[key];
        else doc[key] = value;
      }
      draft.put(path, doc);
    });
    return { change };
  }

  /** Finds people for the CLI and demos: ids, names, current classes — never civic numbers. */
  search(tenant: string, input: { name?: string; kind?: string; limit?: number }): unknown[] {
    this.requireTenant(tenant);
    const register = this.store.register(tenant)!;
    const needle = input.name?.toLocaleLowerCase('sv');
    const staff = new Set(
      [...register.docs.duties.values()].map((d) => (d.person as { id?: string } | undefined)?.id),
    );
    const on = today();
    const classes = new Map<string, string[]>();
    for (const g of register.docs.groups.values()) {
      if (g.groupType !== 'Klass') continue;
      for (const m of (g.groupMemberships as Group['groupMemberships']) ?? []) {
        if (isActive(m, on))
          classes.set(m.person.id, [...(classes.get(m.person.id) ?? []), `${g.displayName} (${g.id})`]);
      }
    }
    const out: unknown[] = [];
    for (const p of register.sorted('persons')) {
      const kind = staff.has(p.id) ? 'staff' : 'pupil';
      if (input.kind && input.kind !== kind) continue;
      const name = [p.givenName, p.middleName, p.familyName].filter(Boolean).join(' ');
      if (needle && !name.toLocaleLowerCase('sv').includes(needle)) continue;
      out.push({
        id: p.id,
        name,
        kind,
        securityMarking: p.securityMarking,
        personStatus: p.personStatus,
        classes: classes.get(p.id) ?? [],
      });
      if (out.length >= (input.limit ?? 20)) break;
    }
    return out;
  }

  private freshCivicNo(draft: MutationDraft, birthYear: number): string {
    const taken = new Set(
      draft.all('persons', () => true).map((p) => (p.civicNo as { value?: string } | undefined)?.value),
    );
    for (;;) {
      const month = 1 + Math.floor(Math.random() * 12);
      const day = 1 + Math.floor(Math.random() * 28);
      const serial = Math.floor(Math.random() * 1000);
      const first11 = `${birthYear}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${String(serial).padStart(3, '0')}`;
      const value = `${first11}${computeLuhnCheckDigit(first11.slice(2))}`;
      if (!taken.has(value)) return value;
    }
  }
}

function checkEntity(entity: string): EntityPath {
  if (!(ENTITY_PATHS as readonly string[]).includes(entity)) {
    throw new ApiError(400, 'INVALID_PARAMETER', `entity must be one of ${ENTITY_PATHS.join(', ')}`);
  }
  return entity as EntityPath;
}

function hasMember(group: Group, personId: string): boolean {
  return (group.groupMemberships ?? []).some((m) => m.person?.id === personId);
}

function hasActiveMember(group: Group, personId: string, on: string): boolean {
  return (group.groupMemberships ?? []).some((m) => m.person?.id === personId && isActive(m, on));
}
