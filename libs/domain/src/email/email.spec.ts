import fc from 'fast-check';
import { normalizeEmail, normalizeEmails } from './email';

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
