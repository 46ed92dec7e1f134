import fc from 'fast-check';
import { luhnCheckDigit, maskCivicNumber, parseCivicNumber } from './civic-number';

/** Builds a valid number from a date and serial (the test's own Luhn, written independently). */
function withCheckDigit(first11: string): string {
  const digits = first11.slice(2).split('').map(Number);
  const sum = digits
    .map((d, i) => (i % 2 === 0 ? d * 2 : d))
    .map((d) => (d > 9 ? d - 9 : d))
    .reduce((a, b) => a + b, 0);
  return first11 + String((10 - (sum % 10)) % 10);
}

describe('parseCivicNumber', () => {
  it('accepts a valid personnummer and derives the birth date', () => {
    // Skatteverket's test number 19811218-9876.
    expect(parseCivicNumber('198112189876')).toEqual({ valid: true, value: '198112189876', kind: 'personnummer', birthDate: '1981-12-18' });
  });

  it('accepts a separator before the last four digits', () => {
    expect(parseCivicNumber('19811218-9876')).toMatchObject({ valid: true, value: '198112189876' });
  });

  it('recognises a samordningsnummer by day + 60 and derives the real birth day', () => {
    const number = withCheckDigit('19701063123');
    expect(parseCivicNumber(number)).toEqual({ valid: true, value: number, kind: 'samordningsnummer', birthDate: '1970-10-03' });
  });

  it('flags a wrong check digit', () => {
    expect(parseCivicNumber('198112189875')).toEqual({ valid: false, problem: 'CHECK_DIGIT' });
  });

  it('flags an impossible date', () => {
    expect(parseCivicNumber(withCheckDigit('20230229123'))).toEqual({ valid: false, problem: 'DATE' });
    expect(parseCivicNumber(withCheckDigit('20241301123'))).toEqual({ valid: false, problem: 'DATE' });
    expect(parseCivicNumber(withCheckDigit('20240192123'))).toEqual({ valid: false, problem: 'DATE' });
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseCivicNumber(withCheckDigit('20240229123'))).toMatchObject({ valid: true, birthDate: '2024-02-29' });
  });

  it('flags wrong lengths, letters and missing numbers without throwing', () => {
    expect(parseCivicNumber('8112189876')).toEqual({ valid: false, problem: 'FORMAT' });
    expect(parseCivicNumber('20150101TF12')).toEqual({ valid: false, problem: 'TEMPORARY' });
    expect(parseCivicNumber('')).toEqual({ valid: false, problem: 'MISSING' });
    expect(parseCivicNumber(undefined)).toEqual({ valid: false, problem: 'MISSING' });
  });

  it('accepts every number built with a correct check digit on a real date', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.boolean(),
        (date, serial, coordination) => {
          const iso = date.toISOString().slice(0, 10);
          const day = Number(iso.slice(8, 10)) + (coordination ? 60 : 0);
          const number = withCheckDigit(iso.slice(0, 4) + iso.slice(5, 7) + String(day).padStart(2, '0') + String(serial).padStart(3, '0'));
          const parsed = parseCivicNumber(number);
          expect(parsed).toEqual({ valid: true, value: number, kind: coordination ? 'samordningsnummer' : 'personnummer', birthDate: iso });
        },
      ),
    );
  });

  it('rejects every other check digit', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^19[0-9]{2}0[1-9]1[0-9][0-9]{3}$/), fc.integer({ min: 1, max: 9 }), (first11, delta) => {
        const good = withCheckDigit(first11);
        const bad = first11 + String((Number(good[11]) + delta) % 10);
        expect(parseCivicNumber(bad)).toEqual({ valid: false, problem: 'CHECK_DIGIT' });
      }),
    );
  });

  it('never throws on any input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (raw) => void parseCivicNumber(raw)));
  });

  it('computes the Luhn digit the same way as an independent implementation', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{11}$/), (first11) => expect(luhnCheckDigit(first11.slice(2))).toBe(Number(withCheckDigit(first11)[11]))));
  });
});

describe('maskCivicNumber', () => {
  it('keeps the birth date and hides the last four digits', () => {
    expect(maskCivicNumber('198112189876')).toBe('19811218-****');
    expect(maskCivicNumber('19811218-9876')).toBe('19811218-****');
  });

  it('hides anything else completely', () => {
    expect(maskCivicNumber('8112189876')).toBe('**********');
    expect(maskCivicNumber(null)).toBe('');
  });

  it('never reveals the serial or check digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12}$/), (number) => {
        const masked = maskCivicNumber(number);
        expect(masked).toBe(`${number.slice(0, 8)}-****`);
      }),
    );
  });
});
