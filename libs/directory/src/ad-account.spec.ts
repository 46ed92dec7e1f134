import { UAC_DISABLED, UAC_ENABLED, generateStrongPassword, isAccountDisabled, toUnicodePwd } from './ad-account';

describe('ad-account encodings', () => {
  it('encodes passwords as quoted UTF-16LE', () => {
    expect(toUnicodePwd('Ab1!')).toEqual(Buffer.from('"Ab1!"', 'utf16le'));
  });
  it('reads the disabled flag', () => {
    expect(isAccountDisabled(UAC_DISABLED)).toBe(true);
    expect(isAccountDisabled(UAC_ENABLED)).toBe(false);
    expect(isAccountDisabled('66050')).toBe(true);
  });
  it('generates distinct passwords with every character class', () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generateStrongPassword()));
    expect(passwords.size).toBe(200);
    for (const pw of passwords) {
      expect(pw).toHaveLength(24);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
      expect(pw).toMatch(/[^A-Za-z0-9]/);
    }
    expect(() => generateStrongPassword(8)).toThrow();
  });
});
