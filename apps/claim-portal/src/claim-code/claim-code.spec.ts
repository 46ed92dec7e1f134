import fc from 'fast-check';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  formatClaimCode,
  generateClaimCode,
  normalizeClaimCode,
} from './claim-code';

describe('claim codes', () => {
  it('leaves out the characters people mix up', () => {
    for (const ambiguous of ['0', 'O', '1', 'I', 'L']) expect(CODE_ALPHABET).not.toContain(ambiguous);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
  });

  it('generates 10 characters from the alphabet, shown as XXXXX-XXXXX', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateClaimCode();
      expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`));
      expect(formatClaimCode(code)).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    }
  });

  it('does not repeat codes (crypto-random)', () => {
    const codes = new Set(Array.from({ length: 5000 }, generateClaimCode));
    expect(codes.size).toBe(5000);
  });

  it('uses every character of the alphabet in every position', () => {
    const seen = Array.from({ length: CODE_LENGTH }, () => new Set<string>());
    for (let i = 0; i < 3000; i++) [...generateClaimCode()].forEach((ch, pos) => seen[pos]!.add(ch));
    for (const position of seen) expect(position.size).toBe(CODE_ALPHABET.length);
  });

  const aCode = fc
    .array(fc.constantFrom(...CODE_ALPHABET), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH })
    .map((chars) => chars.join(''));

  it('reads back a formatted code however it is typed (case, spaces, dashes)', () => {
    fc.assert(
      fc.property(aCode, fc.boolean(), fc.constantFrom('-', ' ', '', ' - '), (code, lower, separator) => {
        const typed = `${code.slice(0, 5)}${separator}${code.slice(5)}`;
        expect(normalizeClaimCode(lower ? typed.toLowerCase() : typed)).toBe(code);
        expect(normalizeClaimCode(formatClaimCode(code))).toBe(code);
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        const once = normalizeClaimCode(input);
        if (once !== undefined) expect(normalizeClaimCode(once)).toBe(once);
      }),
    );
  });

  it('refuses anything that cannot be a code', () => {
    fc.assert(
      fc.property(
        aCode,
        fc.integer({ min: 0, max: CODE_LENGTH - 1 }),
        fc.constantFrom('0', 'O', '1', 'I', 'L', 'Å', '!'),
        (code, at, bad) => {
          expect(normalizeClaimCode(code.slice(0, at) + bad + code.slice(at + 1))).toBeUndefined();
        },
      ),
    );
    expect(normalizeClaimCode('ABCDE-FGHJ')).toBeUndefined();
    expect(normalizeClaimCode('ABCDE-FGHJKM')).toBeUndefined();
    expect(normalizeClaimCode('')).toBeUndefined();
  });
});
