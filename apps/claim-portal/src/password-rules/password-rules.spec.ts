import fc from 'fast-check';
import { checkPassword, foldForComparison, type DomainPasswordPolicy } from './password-rules';

const owner = { accountName: 'asli0001', givenName: 'Åsa', sn: 'Lindqvist', displayName: 'Åsa Lindqvist' };
const complex: DomainPasswordPolicy = { minLength: 7, complex: true };
const simple: DomainPasswordPolicy = { minLength: 0, complex: false };
const codes = (password: string, policy = complex, min = 10) =>
  checkPassword(password, password, owner, policy, min).map((p) => p.code);

describe('checkPassword', () => {
  it('accepts a long password with three kinds of characters and nothing personal', () => {
    expect(codes('Moln-Cykel-Sju-83')).toEqual([]);
    expect(codes('Kanelbulle7Regn')).toEqual([]);
  });

  it('applies the longer of the domain minimum and our own', () => {
    expect(checkPassword('Kx9#mPq2', 'Kx9#mPq2', owner, { minLength: 12, complex: true }, 8)).toContainEqual({
      code: 'too-short',
      min: 12,
    });
    expect(checkPassword('Kx9#mPq2', 'Kx9#mPq2', owner, { minLength: 7, complex: true }, 10)).toContainEqual({
      code: 'too-short',
      min: 10,
    });
  });

  it('refuses a confirmation that differs', () => {
    expect(
      checkPassword('Kanelbulle7Regn', 'Kanelbulle7regn', owner, complex, 10).map((p) => p.code),
    ).toEqual(['mismatch']);
  });

  it("refuses the person's own names and account name, in any case and without diacritics", () => {
    expect(codes('Asa-Snurrar-99')).toContain('contains-name');
    expect(codes('xLINDQVISTx77!')).toContain('contains-name');
    expect(codes('Hej!asli0001Hej')).toContain('contains-account-name');
  });

  it('refuses common passwords with decoration, and keyboard or alphabet runs', () => {
    expect(codes('Sommar2024!')).toContain('too-common');
    expect(codes('Lösenord123')).toContain('too-common');
    // The page's own example.
    expect(codes('Blå-Tåg-Springer-42')).toContain('too-common');
    expect(codes('Qwertyuiop1!')).toContain('too-simple');
    expect(codes('1234567890')).toContain('too-simple');
    expect(codes('aaaaaaaaaaaa', simple)).toContain('too-simple');
  });

  it("follows AD's complexity flag: three of the five kinds when set", () => {
    expect(codes('kanelbullarregnar', complex)).toContain('ad-complexity');
    expect(codes('kanelbullarregnar', simple)).toEqual([]);
    expect(codes('kanelbulle', simple)).toContain('needs-variety');
  });

  it('never accepts anything that contains the given name', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.string({ maxLength: 10 }),
        fc.boolean(),
        (before, after, upper) => {
          const name = upper ? 'ÅSA' : 'asa';
          expect(codes(`${before}${name}${after}Xy9#kq`)).toContain('contains-name');
        },
      ),
    );
  });

  it('never accepts anything shorter than the minimum', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 9 }), (password) => {
        expect(codes(password)).toContainEqual('too-short');
      }),
    );
  });

  it('folds diacritics and case for comparison', () => {
    expect(foldForComparison('ÅsaÖberg')).toBe('asaoberg');
  });
});
