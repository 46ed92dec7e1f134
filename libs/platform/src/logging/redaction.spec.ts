import fc from 'fast-check';
import { maskCivicNumbers } from './redaction';

describe(maskCivicNumbers.name, () => {
  it('masks civic numbers in the forms registers and people write them', () => {
    expect(maskCivicNumbers('person 200512242389 rejected')).toBe('person [personnummer] rejected');
    expect(maskCivicNumbers('id 20051224-2389.')).toBe('id [personnummer].');
    expect(maskCivicNumbers('id 051224-2389')).toBe('id [personnummer]');
    expect(maskCivicNumbers('id 051224+2389')).toBe('id [personnummer]');
  });

  it('leaves other numbers alone', () => {
    expect(maskCivicNumbers('school unit 12345678, stream seq 1234567890123')).toBe(
      'school unit 12345678, stream seq 1234567890123',
    );
  });

  it('never lets a 12-digit civic number through, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 190001010000, max: 209912319999 }), fc.string(), (before, civic, after) => {
        const masked = maskCivicNumbers(`${before} ${civic} ${after}`);
        expect(masked).not.toContain(String(civic));
      }),
    );
  });
});
