import fc from 'fast-check';
import {
  DEFAULT_RESERVED_ACCOUNT_NAMES,
  InvalidAccountNamePatternError,
  MAX_ACCOUNT_NAME_LENGTH,
  chooseAccountName,
  parseAccountNamePattern,
  takeAccountNameCandidates,
  toAccountNameChars,
  toUserPrincipalName,
} from './account-name';

const pupils = { pattern: '{first:3}{last:3}{nn}' };
const staff = { pattern: '{first}.{last}' };

describe('toAccountNameChars', () => {
  it.each([
    ['Åsa', 'asa'],
    ['Öberg', 'oberg'],
    ['Ängel', 'angel'],
    ['Émile', 'emile'],
    ['Müller', 'muller'],
    ['Weiß', 'weiss'],
    ['Ærø', 'aero'],
    ['Søren', 'soren'],
    ["O'Brien", 'obrien'],
    ['Lars-Erik', 'lars-erik'],
    ['Anna Maria', 'annamaria'],
    ['Дмитрий', 'dmitriy'],
  ])('turns %s into %s', (input, expected) => {
    expect(toAccountNameChars(input)).toBe(expected);
  });

  it('gives ASCII for non-Latin scripts', () => {
    expect(toAccountNameChars('北京')).toMatch(/^[a-z]+$/);
    expect(toAccountNameChars('Ψυχή')).toMatch(/^[a-z]+$/);
  });

  it('drops characters it cannot transliterate', () => {
    expect(toAccountNameChars('🙂\u0000')).toBe('');
  });
});

describe('parseAccountNamePattern', () => {
  it.each(['{first:3}{last:3}{nn}', '{first}.{last}', 'e{last}{nnn}'])('accepts %s', (p) => {
    expect(() => parseAccountNamePattern(p)).not.toThrow();
  });
  it.each([
    ['{nick}', /unknown token/],
    ['{first}_{last}', /outside/],
    ['{first', /unbalanced/],
    ['{nn}', /needs/],
    ['{first}{nn}{nn}', /at most one/],
    ['averylongprefix{first}', /too little room/],
  ])('rejects %s', (p, reason) => {
    expect(() => parseAccountNamePattern(p)).toThrow(InvalidAccountNamePatternError);
    expect(() => parseAccountNamePattern(p)).toThrow(reason);
  });
});

describe('generateAccountNameCandidates', () => {
  it('builds pupil names from three letters of each name and a counter', () => {
    expect(takeAccountNameCandidates(pupils, { givenName: 'Åsa', familyName: 'Öberg' }, 3)).toEqual([
      'asaobe01',
      'asaobe02',
      'asaobe03',
    ]);
  });

  it('builds staff names as first.last and appends a counter on collision', () => {
    expect(takeAccountNameCandidates(staff, { givenName: 'Anna', familyName: 'Svensson' }, 3)).toEqual([
      'anna.svensson',
      'anna.svensson2',
      'anna.svensson3',
    ]);
  });

  it('gives two people named Åsa Öberg distinct names', () => {
    const taken = new Set<string>();
    const first = chooseAccountName(pupils, { givenName: 'Åsa', familyName: 'Öberg' }, (n) => taken.has(n));
    taken.add(first);
    const second = chooseAccountName(pupils, { givenName: 'Åsa', familyName: 'Öberg' }, (n) => taken.has(n));
    expect(first).toBe('asaobe01');
    expect(second).toBe('asaobe02');
  });

  it('shortens long names to 20 characters, keeping the counter', () => {
    const [name, next] = takeAccountNameCandidates(
      staff,
      { givenName: 'Maximiliana-Josefina', familyName: 'Wachtmeister af Johannishus' },
      2,
    );
    expect(name!.length).toBeLessThanOrEqual(MAX_ACCOUNT_NAME_LENGTH);
    expect(next!.length).toBeLessThanOrEqual(MAX_ACCOUNT_NAME_LENGTH);
    expect(next!.endsWith('2')).toBe(true);
    expect(name).not.toBe(next);
  });

  it('never hands out a reserved name', () => {
    const names = takeAccountNameCandidates({ pattern: '{first}', reserved: ['kalle'] }, { givenName: 'Kalle', familyName: 'X' }, 2);
    expect(names).toEqual(['kalle2', 'kalle3']);
    expect(takeAccountNameCandidates({ pattern: '{first}' }, { givenName: 'Admin', familyName: 'X' }, 1)).toEqual(['admin2']);
  });

  it('uses a placeholder letter when a name has nothing transliterable', () => {
    expect(takeAccountNameCandidates(pupils, { givenName: '🙂', familyName: '' }, 1)).toEqual(['xx01']);
  });

  const anyName = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('Åsa', 'Öberg', 'Дмитрий', '北京', 'Ψυχή', ' ', '...', '-', "O'Neil", 'ß'),
  );
  const anyPolicy = fc.constantFrom(pupils, staff, { pattern: '{last}{n}' }, { pattern: 'e.{first:1}{last}' });

  it('property: every candidate is 1–20 chars of [a-z0-9.-], not reserved, and no two are equal', () => {
    fc.assert(
      fc.property(anyPolicy, anyName, anyName, fc.integer({ min: 1, max: 60 }), (policy, givenName, familyName, n) => {
        const names = takeAccountNameCandidates(policy, { givenName, familyName }, n);
        for (const name of names) {
          expect(name.length).toBeGreaterThan(0);
          expect(name.length).toBeLessThanOrEqual(MAX_ACCOUNT_NAME_LENGTH);
          expect(name).toMatch(/^[a-z0-9.-]+$/);
          expect(name).not.toMatch(/^[.-]|[.-]$/);
          expect(DEFAULT_RESERVED_ACCOUNT_NAMES).not.toContain(name);
        }
        expect(new Set(names).size).toBe(names.length);
      }),
      { numRuns: 200 },
    );
  });

  it('property: deterministic for the same input', () => {
    fc.assert(
      fc.property(anyPolicy, anyName, anyName, (policy, givenName, familyName) => {
        expect(takeAccountNameCandidates(policy, { givenName, familyName }, 5)).toEqual(
          takeAccountNameCandidates(policy, { givenName, familyName }, 5),
        );
      }),
    );
  });

  it('property: chooseAccountName never returns a name that is taken in any letter case', () => {
    fc.assert(
      fc.property(anyName, anyName, fc.integer({ min: 0, max: 30 }), (givenName, familyName, takenCount) => {
        const taken = new Set(
          takeAccountNameCandidates(pupils, { givenName, familyName }, takenCount).map((n) => n.toUpperCase()),
        );
        const chosen = chooseAccountName(pupils, { givenName, familyName }, (n) => taken.has(n.toUpperCase()));
        expect(taken.has(chosen.toUpperCase())).toBe(false);
        expect(chosen).toBe(takeAccountNameCandidates(pupils, { givenName, familyName }, takenCount + 1)[takenCount]);
      }),
    );
  });
});

describe('toUserPrincipalName', () => {
  it('joins the account name and the tenant suffix', () => {
    expect(toUserPrincipalName('asaobe01', 'lidkoping.skola.test')).toBe('asaobe01@lidkoping.skola.test');
    expect(toUserPrincipalName('asaobe01', '@skara.test')).toBe('asaobe01@skara.test');
  });
});
