import fc from 'fast-check';
import { deriveAffiliations, type FederationRole, scopeAffiliations } from './affiliations';
import { validateMemberRule, validateScopedAffiliation } from './federation-rules';

const roleArb: fc.Arbitrary<FederationRole> = fc.oneof(
  fc.constant({ kind: 'student' as const }),
  fc.constantFrom('Lärare', 'Rektor', 'Förskollärare', 'Skolsköterska', 'Kurator', 'lärare').map((dutyRole) => ({
    kind: 'staff' as const,
    dutyRole,
  })),
);

describe(deriveAffiliations.name, () => {
  it('makes a pupil student and member', () => {
    expect(deriveAffiliations([{ kind: 'student' }])).toEqual(['student', 'member']);
  });
  it('makes a teacher faculty, employee and member', () => {
    expect(deriveAffiliations([{ kind: 'staff', dutyRole: 'Lärare' }])).toEqual(['faculty', 'employee', 'member']);
  });
  it('makes a school nurse staff, employee and member', () => {
    expect(deriveAffiliations([{ kind: 'staff', dutyRole: 'Skolsköterska' }])).toEqual(['staff', 'employee', 'member']);
  });
  it('gives nothing without roles', () => {
    expect(deriveAffiliations([])).toEqual([]);
  });
  it('always satisfies the member rule and the scoped syntax, order-independently (property)', () => {
    fc.assert(
      fc.property(fc.array(roleArb, { maxLength: 6 }), (roles) => {
        const derived = deriveAffiliations(roles);
        const scoped = scopeAffiliations(derived, 'skara.se');
        expect(validateMemberRule(scoped)).toBeUndefined();
        for (const value of scoped) expect(validateScopedAffiliation(value, 'skara.se')).toBeUndefined();
        expect(new Set(derived).size).toBe(derived.length);
        expect(deriveAffiliations([...roles].reverse())).toEqual(derived);
        expect(derived.includes('member')).toBe(roles.length > 0);
      }),
    );
  });
});
