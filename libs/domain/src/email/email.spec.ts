import fc from 'fast-check';
import { choosePublishedEmail, normalizeEmail, normalizeEmails } from './email';

describe('normalizeEmail', () => {
  it('lower-cases and trims a valid address', () => {
    expect(normalizeEmail('  Anna.Berg@Skola.Lidkoping.SE ')).toEqual({ valid: true, value: 'anna.berg@skola.lidkoping.se' });
  });

  it('keeps Swedish letters in the domain', () => {
    expect(normalizeEmail('elev@götene.se')).toEqual({ valid: true, value: 'elev@götene.se' });
  });

  it.each(['anna', 'anna@', '@skola.se', 'a@b@skola.se', 'anna@skola', 'anna..berg@skola.se', 'anna berg@skola.se', 'anna@-skola.se', 'anna@skola.123'])(
    'rejects %s',
    (raw) => expect(normalizeEmail(raw)).toEqual({ valid: false, problem: 'FORMAT' }),
  );

  it('rejects a missing and an overlong address', () => {
    expect(normalizeEmail(undefined)).toEqual({ valid: false, problem: 'MISSING' });
    expect(normalizeEmail(' ')).toEqual({ valid: false, problem: 'MISSING' });
    expect(normalizeEmail(`${'a'.repeat(65)}@skola.se`)).toEqual({ valid: false, problem: 'TOO_LONG' });
  });

  it('is idempotent and never upper case', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string()), (raw) => {
        const once = normalizeEmail(raw);
        if (!once.valid) return;
        expect(once.value).toBe(once.value.toLowerCase());
        expect(normalizeEmail(once.value)).toEqual(once);
      }),
    );
  });

  it('accepts generated addresses', () => {
    fc.assert(fc.property(fc.emailAddress({ size: 'small' }), (raw) => expect(normalizeEmail(raw).valid).toBe(true)));
  });
});

describe('normalizeEmails', () => {
  it('drops duplicates and counts invalid ones', () => {
    expect(
      normalizeEmails([
        { value: 'A@skola.se', type: 'Skola elev' },
        { value: 'a@skola.se', type: 'Privat' },
        { value: 'nope', type: 'Privat' },
      ]),
    ).toEqual({ emails: [{ value: 'a@skola.se', type: 'Skola elev' }], invalid: 1 });
  });
});

describe('choosePublishedEmail', () => {
  const emails = [
    { value: 'anna@gmail.com', type: 'Privat' },
    { value: 'Anna.Berg@Work.se', type: 'Arbete övrigt' },
    { value: 'anna.berg@personal.skara.se', type: 'Skola personal' },
    { value: 'Anna.Berg@Elev.Skara.se', type: 'Skola elev' },
  ];

  it("prefers a pupil's school address, lower-cased", () => {
    expect(choosePublishedEmail(emails, { student: true, staff: false })).toEqual({ email: 'anna.berg@elev.skara.se' });
  });

  it("prefers a staff member's school address, then the work address", () => {
    expect(choosePublishedEmail(emails, { student: false, staff: true })).toEqual({ email: 'anna.berg@personal.skara.se' });
    expect(choosePublishedEmail(emails.slice(0, 2), { student: false, staff: true })).toEqual({ email: 'anna.berg@work.se' });
  });

  it('never publishes a private or untyped address', () => {
    expect(choosePublishedEmail([{ value: 'anna@gmail.com', type: 'Privat' }, { value: 'x@skara.se', type: null }], { student: true, staff: false })).toEqual({});
  });

  it('flags an invalid school address and still chooses a valid one of another type', () => {
    expect(choosePublishedEmail([{ value: 'anna@@elev', type: 'Skola elev' }, emails[1]!], { student: true, staff: false })).toEqual({ email: 'anna.berg@work.se', problem: 'FORMAT' });
  });

  it('only ever returns a valid, normalised address of a school or work type', () => {
    const type = fc.constantFrom('Privat', 'Skola elev', 'Skola personal', 'Arbete övrigt', 'skola ELEV', '', undefined);
    fc.assert(
      fc.property(fc.array(fc.record({ value: fc.oneof(fc.emailAddress(), fc.string()), type })), fc.boolean(), fc.boolean(), (list, student, staff) => {
        const { email } = choosePublishedEmail(list, { student, staff });
        if (email === undefined) return;
        expect(normalizeEmail(email)).toEqual({ valid: true, value: email });
        const source = list.find((e) => normalizeEmail(e.value).valid && (normalizeEmail(e.value) as { value: string }).value === email && e.type && e.type !== 'Privat');
        expect(source).toBeDefined();
      }),
    );
  });
});
