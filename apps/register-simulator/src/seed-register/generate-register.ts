// Builds one municipality's synthetic SS 12000 register: huvudman, schools and school units,
// pupils F–9 (and upper secondary where the municipality has it), classes and teaching groups,
// staff with duties. Pure and deterministic: (options) → the same data on every run.
import {
  computeLuhnCheckDigit,
  type Duty,
  type DutyRole,
  type Enrolment,
  type Group,
  type GroupMembership,
  type Organisation,
  type Person,
  type SchoolType,
  type SecurityMarking,
  type Sex,
} from '@skolkonto/ss12000';
import { RandomSource, stableUuid } from './random-source';
import { catalogueFor, GR_SUBJECTS, GY_COURSES, GY_PROGRAMMES, type Stage } from './school-catalogue';
import {
  DOUBLE_GIVEN,
  FAMILY,
  FAMILY_WITH_PARTICLE,
  GIVEN_FEMALE,
  GIVEN_MALE,
  HYPHENATED_GIVEN,
  MIDDLE_NAMES,
  VERY_LONG,
} from './swedish-names';

export interface SeedOptions {
  tenantId: string;
  /** e.g. "Lidköpings kommun" */
  tenantName: string;
  municipalityCode: string;
  seed: number;
  /** Persons in this register, pupils and staff together. */
  persons: number;
  /** Calendar year the current school year started in (August). */
  schoolYearStart: number;
}

export interface RegisterData {
  organisations: Organisation[];
  persons: Person[];
  groups: Group[];
  duties: Duty[];
}

interface Unit {
  org: Organisation;
  stage: Stage;
  years: number[];
  pupils: Person[];
  classes: Group[];
}

const PUPIL_SHARE = 0.9;
const CLASS_SIZE = 24;

/** The school year a pupil is in, per stage: 0 is förskoleklass. */
const YEARS: Record<Stage, number[]> = {
  'F-6': [0, 1, 2, 3, 4, 5, 6],
  'F-9': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  '7-9': [7, 8, 9],
  GY: [1, 2, 3],
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** ASCII local part for addresses: å→a, é→e, spaces and particles folded. */
export function toLocalPart(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/g, 'o')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 30);
}

export function generateRegister(options: SeedOptions): RegisterData {
  return new RegisterGenerator(options).generate();
}

class RegisterGenerator {
  private readonly rng: RandomSource;
  private readonly catalogue;
  private readonly Y: number;
  private readonly usedCivicNos = new Set<string>();
  private readonly usedSignatures = new Set<string>();
  private readonly usedEmails = new Set<string>();
  private personCount = 0;
  private readonly out: RegisterData = { organisations: [], persons: [], groups: [], duties: [] };

  constructor(private readonly o: SeedOptions) {
    this.rng = new RandomSource(`${o.seed}:${o.tenantId}:${o.persons}:${o.schoolYearStart}`);
    this.catalogue = catalogueFor(o.municipalityCode, o.tenantId);
    this.Y = o.schoolYearStart;
  }

  generate(): RegisterData {
    const units = this.organisations();
    const pupilTotal = Math.max(0, Math.round(this.o.persons * PUPIL_SHARE));
    this.pupils(units, pupilTotal);
    this.classesAndTeachingGroups(units);
    this.staff(units, this.o.persons - pupilTotal);
    this.staffGroups(units);
    return this.out;
  }

  private id(kind: string, key: string | number): string {
    return stableUuid(this.o.seed, this.o.tenantId, this.o.persons, this.Y, kind, key);
  }

  /** A time on or before the seed's cut-off (10 August), with milliseconds, as the registers send them. */
  private meta(fromYear: number): { created: string; modified: string } {
    const cutoff = Date.UTC(this.Y, 7, 10, 6, 0, 0);
    const start = Date.UTC(Math.min(fromYear, this.Y), 0, 1);
    const created = start + Math.floor(this.rng.next() * Math.max(1, cutoff - start));
    const modified = created + Math.floor(this.rng.next() * (cutoff - created));
    return { created: new Date(created).toISOString(), modified: new Date(modified).toISOString() };
  }

  private organisations(): Unit[] {
    const o = this.o;
    const huvudman: Organisation = {
      id: this.id('org', 'huvudman'),
      meta: this.meta(2015),
      displayName: o.tenantName,
      organisationType: 'Huvudman',
      organisationNumber: `212000-${pad(Number(o.municipalityCode) % 10000, 4)}`,
      organisationCode: `HM${o.municipalityCode}`,
      municipalityCode: o.municipalityCode,
      email: `kontakt@${this.catalogue.domain}`,
      url: `https://www.${this.catalogue.domain}`,
      startDate: '2000-01-01',
    };
    const forvaltning: Organisation = {
      id: this.id('org', 'forvaltning'),
      meta: this.meta(2015),
      displayName: 'Barn- och utbildningsförvaltningen',
      organisationType: 'Förvaltning',
      organisationCode: `BUF${o.municipalityCode}`,
      parentOrganisation: { id: huvudman.id },
      municipalityCode: o.municipalityCode,
      startDate: '2000-01-01',
    };
    this.out.organisations.push(huvudman, forvaltning);
    const units: Unit[] = [];
    this.catalogue.schools.forEach((school, i) => {
      const schoolOrg: Organisation = {
        id: this.id('org', `school-${i}`),
        meta: this.meta(2016),
        displayName: school.name,
        organisationType: 'Skola',
        organisationCode: `S${o.municipalityCode}${pad(i + 1)}`,
        parentOrganisation: { id: forvaltning.id },
        municipalityCode: o.municipalityCode,
        startDate: '2005-07-01',
      };
      const schoolTypes: SchoolType[] =
        school.stage === 'GY' ? ['GY'] : school.stage === '7-9' ? ['GR'] : ['FKLASS', 'GR', 'FTH'];
      const unit: Organisation = {
        id: this.id('org', `unit-${i}`),
        meta: this.meta(2016),
        displayName: school.stage === 'GY' ? school.name : `${school.name} ${school.stage}`,
        organisationType: 'Skolenhet',
        // Skolverket's codes are 8 digits; derive a stable one that never starts with 0.
        schoolUnitCode: String(
          10_000_000 + (Number.parseInt(this.id('code', i).slice(0, 8), 16) % 89_999_999),
        ),
        organisationCode: `SE${o.municipalityCode}${pad(i + 1)}`,
        parentOrganisation: { id: schoolOrg.id },
        schoolTypes,
        municipalityCode: o.municipalityCode,
        email: `${toLocalPart(school.name)}@${this.catalogue.domain}`,
        startDate: '2005-07-01',
      };
      this.out.organisations.push(schoolOrg, unit);
      units.push({ org: unit, stage: school.stage, years: YEARS[school.stage], pupils: [], classes: [] });
    });
    return units;
  }

  // ---- people -------------------------------------------------------------------------------

  private sex(): Sex {
    const r = this.rng.next();
    return r < 0.49 ? 'Kvinna' : r < 0.98 ? 'Man' : 'Okänt';
  }

  private names(sex: Sex, forceLong = false): Pick<Person, 'givenName' | 'middleName' | 'familyName'> {
    const female = sex === 'Kvinna' || (sex === 'Okänt' && this.rng.chance(0.5));
    const r = this.rng.next();
    let givenName: string;
    if (forceLong) givenName = this.rng.pick(VERY_LONG.given);
    else if (r < 0.05) givenName = this.rng.pick(female ? HYPHENATED_GIVEN.female : HYPHENATED_GIVEN.male);
    else if (r < 0.08) givenName = this.rng.pick(female ? DOUBLE_GIVEN.female : DOUBLE_GIVEN.male);
    else givenName = this.rng.pick(female ? GIVEN_FEMALE : GIVEN_MALE);
    const f = this.rng.next();
    let familyName: string;
    if (forceLong) familyName = this.rng.pick(VERY_LONG.family);
    else if (f < 0.06) familyName = `${this.rng.pick(FAMILY)}-${this.rng.pick(FAMILY)}`;
    else if (f < 0.075) familyName = this.rng.pick(FAMILY_WITH_PARTICLE);
    else familyName = this.rng.pick(FAMILY);
    const middleName = this.rng.chance(0.25) ? this.rng.pick(MIDDLE_NAMES) : undefined;
    return { givenName, ...(middleName && { middleName }), familyName };
  }

  /** A unique civic number with a valid check digit; about 2% are samordningsnummer (day + 60). */
  private civicNo(birth: Date, sex: Sex): { value: string; samordning: boolean } {
    const samordning = this.rng.chance(0.02);
    for (;;) {
      const day = birth.getUTCDate() + (samordning ? 60 : 0);
      let serial = this.rng.int(0, 99) * 10 + this.rng.int(0, 9);
      // The ninth digit is odd for men and even for women.
      const genderDigit = serial % 10;
      if (sex === 'Man' && genderDigit % 2 === 0) serial = serial - genderDigit + ((genderDigit + 1) % 10);
      if (sex === 'Kvinna' && genderDigit % 2 === 1) serial = serial - genderDigit + (genderDigit - 1);
      const first11 = `${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1)}${pad(day)}${pad(serial, 3)}`;
      const value = `${first11}${computeLuhnCheckDigit(first11.slice(2))}`;
      if (!this.usedCivicNos.has(value)) {
        this.usedCivicNos.add(value);
        return { value, samordning };
      }
    }
  }

  private birthDate(year: number): Date {
    return new Date(Date.UTC(year, 0, 1) + this.rng.int(0, 364) * 86_400_000);
  }

  private securityMarking(index: number): SecurityMarking {
    // Every register of some size has at least one of each kind of protected identity.
    if (index === 5) return 'Skyddad folkbokföring';
    if (index === 11) return 'Sekretessmarkering';
    const r = this.rng.next();
    return r < 0.004 ? 'Skyddad folkbokföring' : r < 0.012 ? 'Sekretessmarkering' : 'Ingen';
  }

  private uniqueEmail(local: string, domain: string): string {
    let candidate = `${local}@${domain}`;
    for (let n = 2; this.usedEmails.has(candidate); n++) candidate = `${local}${n}@${domain}`;
    this.usedEmails.add(candidate);
    return candidate;
  }

  private person(kind: 'pupil' | 'staff', birthYear: number, metaFrom: number): Person {
    const index = this.personCount++;
    const sex = this.sex();
    const names = this.names(sex, index === 17 || (index > 0 && index % 997 === 0));
    const birth = this.birthDate(birthYear);
    const civic = this.civicNo(birth, sex);
    const person: Person = {
      id: this.id('person', index),
      meta: this.meta(metaFrom),
      ...names,
      civicNo: {
        value: civic.value,
        nationality: civic.samordning ? this.rng.pick(['NO', 'DK', 'FI', 'PL', 'SY']) : 'SE',
      },
      birthDate: birth.toISOString().slice(0, 10),
      sex,
      securityMarking: this.securityMarking(index),
      personStatus: 'Aktiv',
    };
    if (kind === 'pupil') {
      person.externalIdentifiers = [
        {
          value: `E${this.o.municipalityCode}${pad(index, 6)}`,
          context: 'elevnummer',
          globallyUnique: false,
        },
      ];
    }
    return person;
  }

  private pupils(units: Unit[], total: number): void {
    // Every (unit, year) slot gets an equal share; GY years count like GR years.
    const slots = units.flatMap((unit) => unit.years.map((year) => ({ unit, year })));
    if (slots.length === 0) return;
    for (let i = 0; i < total; i++) {
      const { unit, year } = slots[i % slots.length];
      const gy = unit.stage === 'GY';
      const birthYear = gy ? this.Y - 15 - year : this.Y - 6 - year;
      const pupil = this.person('pupil', birthYear, gy ? this.Y - year + 1 : this.Y - year);
      const enrolments: Enrolment[] = [];
      const programme = gy ? GY_PROGRAMMES[i % GY_PROGRAMMES.length] : undefined;
      // Earlier stages, ended (historical enrolments).
      if (gy) {
        const grUnits = units.filter((u) => u.years.includes(9));
        const previous = grUnits.length ? this.rng.pick(grUnits) : undefined;
        if (previous) {
          enrolments.push({
            enroledAt: { id: previous.org.id },
            schoolType: 'GR',
            startDate: `${this.Y - year - 9}-08-17`,
            endDate: `${this.Y - year + 1}-06-12`,
            schoolYear: 9,
          });
        }
      } else if (unit.stage === '7-9') {
        const f6 = units.filter((u) => u.stage === 'F-6');
        const previous = f6.length ? this.rng.pick(f6) : undefined;
        if (previous) {
          enrolments.push({
            enroledAt: { id: previous.org.id },
            schoolType: 'GR',
            startDate: `${this.Y - year}-08-17`,
            endDate: `${this.Y - year + 7}-06-12`,
            schoolYear: 6,
          });
        }
      }
      const started = gy ? this.Y - year + 1 : unit.stage === '7-9' ? this.Y - year + 7 : this.Y - year;
      enrolments.push({
        enroledAt: { id: unit.org.id },
        schoolType: gy ? 'GY' : year === 0 ? 'FKLASS' : 'GR',
        startDate: `${started}-08-${gy ? '18' : '17'}`,
        schoolYear: year,
        ...(programme && {
          educationCode: `${programme.code}${programme.code === 'NA' ? 'NAT' : 'GEN'}`,
          programme: { id: this.id('programme', programme.code), displayName: programme.name },
        }),
      });
      // A few pupils are also enrolled at a second school unit (e.g. a profile class elsewhere).
      const others = units.filter((u) => u !== unit && u.years.includes(year));
      if (others.length > 0 && !gy && this.rng.chance(0.02)) {
        enrolments.push({
          enroledAt: { id: this.rng.pick(others).org.id },
          schoolType: 'GR',
          startDate: `${this.Y}-08-17`,
          schoolYear: year,
        });
      }
      // A few have an enrolment that was cancelled before it started.
      if (this.rng.chance(0.01)) {
        enrolments.push({
          enroledAt: { id: unit.org.id },
          schoolType: gy ? 'GY' : 'GR',
          startDate: `${this.Y}-01-08`,
          cancelled: true,
          schoolYear: year,
        });
      }
      pupil.enrolments = enrolments;
      if (year >= 4 || gy) {
        const local = `${toLocalPart(pupil.givenName).slice(0, 8)}.${toLocalPart(pupil.familyName).slice(0, 12)}`;
        pupil.emails = [
          { value: this.uniqueEmail(local, `elev.${this.catalogue.domain}`), type: 'Skola elev' },
        ];
      }
      unit.pupils.push(pupil);
      (pupil as Person & { _year?: number })._year = year;
      this.out.persons.push(pupil);
    }
  }

  private membership(person: Person, startDate: string): GroupMembership {
    return { person: { id: person.id, securityMarking: person.securityMarking ?? 'Ingen' }, startDate };
  }

  private classesAndTeachingGroups(units: Unit[]): void {
    const start = `${this.Y}-08-17`;
    const end = `${this.Y + 1}-06-12`;
    for (const unit of units) {
      const gy = unit.stage === 'GY';
      for (const year of unit.years) {
        const pupils = unit.pupils.filter((p) => (p as Person & { _year?: number })._year === year);
        if (pupils.length === 0) continue;
        // GY classes per programme; GR classes A, B, C … of about CLASS_SIZE.
        const buckets = new Map<string, Person[]>();
        if (gy) {
          for (const p of pupils) {
            const code = p.enrolments?.at(-1)?.educationCode?.slice(0, 2) ?? 'NA';
            const name = `${code}${pad((this.Y - year + 1) % 100)}`;
            push(buckets, name, p);
          }
        } else {
          const n = Math.max(1, Math.round(pupils.length / CLASS_SIZE));
          pupils.forEach((p, i) => {
            const letter = String.fromCharCode(65 + (i % n));
            const name = year === 0 ? `F${letter}` : `${year}${letter}`;
            push(buckets, name, p);
          });
        }
        for (const [base, members] of buckets) {
          const className = gy ? `${base}a` : base;
          const schoolType: SchoolType = gy ? 'GY' : year === 0 ? 'FKLASS' : 'GR';
          const klass: Group = {
            id: this.id('group', `${unit.org.id}:klass:${className}`),
            meta: this.meta(this.Y),
            displayName: className,
            groupType: 'Klass',
            organisation: { id: unit.org.id },
            schoolType,
            startDate: start,
            endDate: end,
            groupMemberships: members.map((p) => this.membership(p, start)),
          };
          unit.classes.push(klass);
          this.out.groups.push(klass);
          if (year === 0) continue;
          const subjects = gy ? GY_COURSES : GR_SUBJECTS;
          const first = this.rng.int(0, subjects.length - 1);
          for (const subject of [subjects[first], subjects[(first + 3) % subjects.length]]) {
            this.out.groups.push({
              id: this.id('group', `${unit.org.id}:undervisning:${subject}:${className}`),
              meta: this.meta(this.Y),
              displayName: `${subject} ${className}`,
              groupType: 'Undervisning',
              organisation: { id: unit.org.id },
              schoolType,
              startDate: start,
              endDate: end,
              groupMemberships: members.map((p) => this.membership(p, start)),
            });
          }
        }
      }
      for (const p of unit.pupils) delete (p as Person & { _year?: number })._year;
    }
  }

  private signature(person: Person): string {
    const base =
      `${toLocalPart(person.givenName).slice(0, 2)}${toLocalPart(person.familyName).slice(0, 2)}`.toUpperCase() ||
      'XX';
    let candidate = base;
    for (let n = 2; this.usedSignatures.has(candidate); n++) candidate = `${base}${n}`;
    this.usedSignatures.add(candidate);
    return candidate;
  }

  private staff(units: Unit[], total: number): void {
    if (units.length === 0 || total <= 0) return;
    // Roles per unit in priority order; teachers fill whatever is left, spread by pupil count.
    const roleQueue: { unit: Unit; role: DutyRole }[] = [];
    const extras = (unit: Unit): DutyRole[] => {
      const roles: DutyRole[] = ['Skolsköterska', 'Skoladministratör', 'Kurator'];
      if (unit.stage === 'F-6' || unit.stage === 'F-9') roles.push('Fritidspedagog', 'Lärarassistent');
      if (unit.stage === '7-9' || unit.stage === 'F-9' || unit.stage === 'GY')
        roles.push('Studie- och yrkesvägledare', 'Förstelärare');
      return roles;
    };
    for (const unit of units) roleQueue.push({ unit, role: 'Rektor' });
    const nonTeaching = Math.floor(total * 0.2);
    const extraLists = units.map(extras);
    for (let round = 0; roleQueue.length < units.length + nonTeaching && round < 10; round++) {
      units.forEach((unit, i) => {
        const role = extraLists[i][round];
        if (role && roleQueue.length < units.length + nonTeaching) roleQueue.push({ unit, role });
      });
    }
    const pupilsTotal = units.reduce((s, u) => s + u.pupils.length, 0) || 1;
    let u = 0;
    while (roleQueue.length < total) {
      // Weighted round robin: a unit gets teachers in proportion to its pupils.
      const unit = units[u % units.length];
      const share = unit.pupils.length / pupilsTotal;
      if (this.rng.next() < share * units.length || unit.pupils.length === 0)
        roleQueue.push({ unit, role: 'Lärare' });
      u++;
    }
    const mentorsPerUnit = new Map<Unit, number>();
    roleQueue.slice(0, total).forEach(({ unit, role }, i) => {
      const person = this.person('staff', this.rng.int(1960, 1999), 2012);
      const local = `${toLocalPart(person.givenName)}.${toLocalPart(person.familyName)}`;
      const address = this.uniqueEmail(local, this.catalogue.domain);
      person.emails = [{ value: address, type: 'Skola personal' }];
      person.eduPersonPrincipalNames = this.rng.chance(0.03)
        ? [address, `${local}@skolfed.${this.catalogue.domain}`]
        : [address];
      this.out.persons.push(person);
      const duty: Duty = {
        id: this.id('duty', i),
        meta: this.meta(2015),
        dutyAt: { id: unit.org.id },
        dutyRole: role,
        person: { id: person.id, securityMarking: person.securityMarking ?? 'Ingen' },
        signature: this.signature(person),
        dutyPercent: this.rng.pick([100, 100, 100, 80, 75, 50]),
        startDate: `${this.rng.int(2005, this.Y)}-08-01`,
      };
      if (role === 'Lärare') {
        const m = mentorsPerUnit.get(unit) ?? 0;
        const klass = unit.classes[m];
        if (klass) {
          duty.assignmentRole = [
            {
              group: { id: klass.id },
              assignmentRoleType: 'Mentor',
              startDate: klass.startDate,
              endDate: klass.endDate,
            },
          ];
          mentorsPerUnit.set(unit, m + 1);
        }
      }
      this.out.duties.push(duty);
      // Some teachers also work part time at a second unit.
      if (role === 'Lärare' && units.length > 1 && this.rng.chance(0.05)) {
        const other = units[(units.indexOf(unit) + 1) % units.length];
        duty.dutyPercent = 50;
        this.out.duties.push({
          id: this.id('duty', `${i}:second`),
          meta: this.meta(2015),
          dutyAt: { id: other.org.id },
          dutyRole: 'Lärare',
          person: { id: person.id, securityMarking: person.securityMarking ?? 'Ingen' },
          signature: duty.signature,
          dutyPercent: 50,
          startDate: `${this.Y}-08-01`,
        });
      }
    });
    // A vacant duty: the spec allows a Duty without a person.
    this.out.duties.push({
      id: this.id('duty', 'vacant'),
      meta: this.meta(this.Y),
      dutyAt: { id: units[0].org.id },
      dutyRole: 'Lärare',
      startDate: `${this.Y}-08-01`,
      description: 'Vakant tjänst',
    });
  }

  private staffGroups(units: Unit[]): void {
    const byUnit = new Map<string, Set<string>>();
    for (const duty of this.out.duties) {
      if (!duty.person) continue;
      const set = byUnit.get(duty.dutyAt.id) ?? new Set<string>();
      set.add(duty.person.id);
      byUnit.set(duty.dutyAt.id, set);
    }
    const personById = new Map(this.out.persons.map((p) => [p.id, p]));
    for (const unit of units) {
      const members = [...(byUnit.get(unit.org.id) ?? [])].map((id) => personById.get(id)!);
      if (members.length === 0) continue;
      this.out.groups.push({
        id: this.id('group', `${unit.org.id}:personal`),
        meta: this.meta(this.Y),
        displayName: `Personal ${unit.org.displayName}`,
        groupType: 'Personalgrupp',
        organisation: { id: unit.org.id },
        startDate: `${this.Y}-08-01`,
        groupMemberships: members.map((p) => this.membership(p, `${this.Y}-08-01`)),
      });
    }
  }
}
