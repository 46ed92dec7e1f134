import fc from 'fast-check';
import { civicNumberMac, normalizeCivicNumber } from './civic-number-mac';

describe(normalizeCivicNumber.name, () => {
  const today = new Date('2026-11-28T00:00:00Z');

  it('accepts the written forms of one number', () => {
    for (const form of ['201001011234', '20100101-1234', '100101-1234', '1001011234']) {
      expect(normalizeCivicNumber(form, today)).toBe('201001011234');
    }
  });

  it('puts a + number over a hundred years back', () => {
    expect(normalizeCivicNumber('201001+1234', today)).toBe('192010011234');
    expect(normalizeCivicNumber('501001-1234', today)).toBe('19501001' + '1234');
  });

  it('rejects what is not a civic number', () => {
    expect(normalizeCivicNumber('anna', today)).toBeUndefined();
    expect(normalizeCivicNumber('12345', today)).toBeUndefined();
  });

  it('always yields 12 digits for 12-digit input', () => {
    fc.assert(fc.property(fc.stringMatching(/^\d{12}$/), (n) => expect(normalizeCivicNumber(n, today)).toBe(n)));
  });
});

describe(civicNumberMac.name, () => {
  it('depends on the key and never contains the number', () => {
    const a = civicNumberMac('201001011234', 'key-one-0123456789');
    expect(a).not.toContain('201001011234');
    expect(a).not.toBe(civicNumberMac('201001011234', 'key-two-0123456789'));
    expect(a).toBe(civicNumberMac('201001011234', 'key-one-0123456789'));
  });
});
