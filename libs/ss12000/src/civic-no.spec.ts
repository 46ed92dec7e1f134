import fc from 'fast-check';
import { classifyCivicNo, computeLuhnCheckDigit } from './civic-no';

/** Builds a 12-digit number with a correct check digit. */
function withCheckDigit(first11: string): string {
  return `${first11}${computeLuhnCheckDigit(first11.slice(2))}`;
}

describe('classifyCivicNo', () => {
  it('accepts a personnummer with a correct check digit', () => {
    expect(classifyCivicNo('191212121212')).toBe('personnummer');
    expect(classifyCivicNo(withCheckDigit('20150315238'))).toBe('personnummer');
  });

  it('accepts a samordningsnummer (day + 60)', () => {
    expect(classifyCivicNo(withCheckDigit('20150375238'))).toBe('samordningsnummer');
  });

  it('accepts a temporary number with letters after a real date', () => {
    expect(classifyCivicNo('20150315TF12')).toBe('temporary');
  });

  it('rejects a wrong check digit, an impossible date, separators and other lengths', () => {
    expect(classifyCivicNo('191212121213')).toBeUndefined();
    expect(classifyCivicNo(withCheckDigit('20150230238'))).toBeUndefined();
    expect(classifyCivicNo(withCheckDigit('20151315238'))).toBeUndefined();
    expect(classifyCivicNo('19121212-1212')).toBeUndefined();
    expect(classifyCivicNo('1212121212')).toBeUndefined();
    expect(classifyCivicNo(191212121212)).toBeUndefined();
    expect(classifyCivicNo('20150375TF12')).toBeUndefined();
  });

  it('accepts every number built with the check digit, and rejects every other last digit', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        (date, serial, samordning, offset) => {
          const y = date.getUTCFullYear().toString();
          const m = String(date.getUTCMonth() + 1).padStart(2, '0');
          const d = String(date.getUTCDate() + (samordning ? 60 : 0)).padStart(2, '0');
          const first11 = `${y}${m}${d}${String(serial).padStart(3, '0')}`;
          const good = withCheckDigit(first11);
          expect(classifyCivicNo(good)).toBe(samordning ? 'samordningsnummer' : 'personnummer');
          const bad = `${first11}${(Number(good[11]) + offset) % 10}`;
          expect(classifyCivicNo(bad)).toBeUndefined();
        },
      ),
    );
  });
});
