import fc from 'fast-check';
import { classifyCivicNo, validateRecord, type Person } from '@skolkonto/ss12000';
import { generateRegister, toLocalPart, type SeedOptions } from './generate-register';

const LIDKOPING: SeedOptions = {
  tenantId: 'lidkoping',
  tenantName: 'Lidköpings kommun',
  municipalityCode: '1494',
  seed: 1,
  persons: 400,
  schoolYearStart: 2026,
};

describe(generateRegister.name, () => {
  const register = generateRegister(LIDKOPING);

  it('makes exactly the asked number of persons, all valid by the SS 12000 rules', () => {
    expect(register.persons).toHaveLength(400);
    for (const entity of ['persons', 'organisations', 'groups', 'duties'] as const) {
      for (const record of register[entity])
        expect(validateRecord(entity, record)).toMatchObject({ ok: true });
    }
  });

  it('is deterministic and depends on the seed', () => {
    expect(generateRegister(LIDKOPING)).toEqual(register);
    const other = generateRegister({ ...LIDKOPING, seed: 2 });
    expect(other.persons[0].id).not.toBe(register.persons[0].id);
  });

  it('builds huvudman → förvaltning → skola → skolenhet with 8-digit school unit codes', () => {
    const byType = (t: string) => register.organisations.filter((o) => o.organisationType === t);
    expect(byType('Huvudman')).toEqual([
      expect.objectContaining({ displayName: 'Lidköpings kommun', municipalityCode: '1494' }),
    ]);
    expect(byType('Förvaltning')).toHaveLength(1);
    const units = byType('Skolenhet');
    expect(units.length).toBe(byType('Skola').length);
    const codes = units.map((u) => u.schoolUnitCode);
    for (const code of codes) expect(code).toMatch(/^[1-9]\d{7}$/);
    expect(new Set(codes).size).toBe(codes.length);
    expect(units.some((u) => u.schoolTypes?.includes('GY'))).toBe(true);
  });

  it('gives unique civic numbers with valid check digits, a few of them samordningsnummer', () => {
    const big = generateRegister({ ...LIDKOPING, persons: 3000 });
    const values = big.persons.map((p) => p.civicNo!.value);
    expect(new Set(values).size).toBe(values.length);
    const kinds = values.map(classifyCivicNo);
    expect(kinds.every((k) => k === 'personnummer' || k === 'samordningsnummer')).toBe(true);
    expect(kinds.filter((k) => k === 'samordningsnummer').length).toBeGreaterThan(10);
    for (const p of big.persons) {
      const ninth = Number(p.civicNo!.value[10]);
      if (p.sex === 'Man') expect(ninth % 2).toBe(1);
      if (p.sex === 'Kvinna') expect(ninth % 2).toBe(0);
    }
  });

  it('has pupils F–9 and upper secondary, classes with one Klass per pupil, teaching groups and staff duties', () => {
    const pupils = register.persons.filter((p) => p.enrolments?.length);
    const years = new Set(
      pupils.flatMap((p) =>
        (p.enrolments ?? [])
          .filter((e) => !e.endDate && !e.cancelled)
          .map((e) => `${e.schoolType}${e.schoolYear}`),
      ),
    );
    for (const y of ['FKLASS0', 'GR1', 'GR6', 'GR7', 'GR9', 'GY1', 'GY3']) expect(years).toContain(y);
    const klassCount = new Map<string, number>();
    for (const g of register.groups.filter((g) => g.groupType === 'Klass')) {
      for (const m of g.groupMemberships ?? [])
        klassCount.set(m.person.id, (klassCount.get(m.person.id) ?? 0) + 1);
    }
    expect([...klassCount.values()].every((n) => n === 1)).toBe(true);
    expect(klassCount.size).toBe(pupils.length);
    expect(register.groups.some((g) => g.groupType === 'Undervisning')).toBe(true);
    const roles = new Set(register.duties.map((d) => d.dutyRole));
    for (const r of ['Rektor', 'Lärare', 'Skolsköterska']) expect(roles).toContain(r);
    expect(register.duties.some((d) => d.person === undefined)).toBe(true);
    expect(register.duties.some((d) => d.assignmentRole?.[0]?.assignmentRoleType === 'Mentor')).toBe(true);
  });

  it('has the hard cases: protected identities, two schools at once, historical enrolments, tricky names', () => {
    const big = generateRegister({ ...LIDKOPING, persons: 3000 });
    const p = big.persons;
    expect(p.some((x) => x.securityMarking === 'Skyddad folkbokföring')).toBe(true);
    expect(p.some((x) => x.securityMarking === 'Sekretessmarkering')).toBe(true);
    const active = (x: Person) => (x.enrolments ?? []).filter((e) => !e.endDate && !e.cancelled);
    expect(p.some((x) => new Set(active(x).map((e) => e.enroledAt.id)).size === 2)).toBe(true);
    expect(p.some((x) => (x.enrolments ?? []).some((e) => e.endDate))).toBe(true);
    expect(p.some((x) => (x.enrolments ?? []).some((e) => e.cancelled))).toBe(true);
    const names = p.map((x) => `${x.givenName} ${x.middleName ?? ''} ${x.familyName}`);
    expect(names.some((n) => /[åäö]/.test(n))).toBe(true);
    expect(names.some((n) => /é/.test(n))).toBe(true);
    expect(p.some((x) => x.givenName.includes('-'))).toBe(true);
    expect(p.some((x) => x.givenName.includes(' '))).toBe(true);
    expect(p.some((x) => x.familyName.includes('-'))).toBe(true);
    expect(p.some((x) => x.middleName)).toBe(true);
    expect(p.some((x) => `${x.givenName} ${x.familyName}`.length > 64)).toBe(true);
  });

  it('protects references too: memberships carry the person’s security marking', () => {
    const marking = new Map(register.persons.map((p) => [p.id, p.securityMarking]));
    for (const g of register.groups)
      for (const m of g.groupMemberships ?? [])
        expect(m.person.securityMarking).toBe(marking.get(m.person.id));
  });

  it('splits any size into exactly that many persons', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 250 }), fc.integer({ min: 0, max: 1000 }), (persons, seed) => {
        const r = generateRegister({
          ...LIDKOPING,
          municipalityCode: '1445',
          tenantId: 'essunga',
          persons,
          seed,
        });
        expect(r.persons).toHaveLength(persons);
        expect(new Set(r.persons.map((x) => x.id)).size).toBe(persons);
      }),
      { numRuns: 25 },
    );
  });
});

describe(toLocalPart.name, () => {
  it('folds Swedish and other letters to ASCII', () => {
    expect(toLocalPart('Åsa-Märta Öberg')).toBe('asamartaoberg');
    expect(toLocalPart('Chloé Nguyễn')).toBe('chloenguyen');
    expect(toLocalPart('af Klercker')).toBe('afklercker');
  });
});
