import fc from 'fast-check';
import {
  validateAffiliation,
  validateEppn,
  validateHomeOrganization,
  validateMemberRule,
  validateNin,
  validatePairwiseId,
  validateSchoolUnitCode,
  validateScope,
  validateScopedAffiliation,
  validateSubjectIdSyntax,
  validateText,
  validateUniqueId,
} from './federation-rules';

const scope = 'lidkoping.se';

describe('federation rules', () => {
  describe(validateEppn.name, () => {
    it('accepts local@scope at the tenant scope, case-insensitively', () => {
      expect(validateEppn('k3x9qa@lidkoping.se', scope)).toBeUndefined();
      expect(validateEppn('k3x9qa@LIDKOPING.SE', scope)).toBeUndefined();
    });
    it('rejects values without exactly one @', () => {
      expect(validateEppn('k3x9qa', scope)).toMatch(/exactly one "@"/);
      expect(validateEppn('a@b@lidkoping.se', scope)).toMatch(/exactly one "@"/);
    });
    it('rejects another scope', () => {
      expect(validateEppn('k3x9qa@skara.se', scope)).toMatch(/scope/);
    });
    it('rejects an empty or malformed local part', () => {
      expect(validateEppn('@lidkoping.se', scope)).toMatch(/non-empty/);
      expect(validateEppn('a b@lidkoping.se', scope)).toMatch(/local part/);
    });
    it('accepts no value with two @ whatever the parts (property)', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (a, b) => {
          expect(validateEppn(`${a}@${b}@${scope}`, scope)).toBeDefined();
        }),
      );
    });
  });

  describe(validateScopedAffiliation.name, () => {
    it('accepts affiliation@scope for each eduPerson affiliation', () => {
      for (const a of ['faculty', 'student', 'staff', 'alum', 'member', 'affiliate', 'employee', 'library-walk-in']) {
        expect(validateScopedAffiliation(`${a}@${scope}`, scope)).toBeUndefined();
      }
    });
    it('rejects the Swedish word for pupil and a foreign scope', () => {
      expect(validateScopedAffiliation(`elev@${scope}`, scope)).toMatch(/affiliation must be one of/);
      expect(validateScopedAffiliation('student@skara.se', scope)).toMatch(/scope/);
      expect(validateScopedAffiliation('student', scope)).toMatch(/exactly one/);
    });
    it('rejects an unscoped affiliation outside the vocabulary', () => {
      expect(validateAffiliation('teacher')).toMatch(/one of/);
      expect(validateAffiliation('faculty')).toBeUndefined();
    });
  });

  describe(validateMemberRule.name, () => {
    it('requires member to come with faculty, staff, student or employee', () => {
      expect(validateMemberRule([`member@${scope}`])).toMatch(/member must be asserted/);
      expect(validateMemberRule(['member', 'affiliate'])).toMatch(/member must be asserted/);
      expect(validateMemberRule([`member@${scope}`, `student@${scope}`])).toBeUndefined();
      expect(validateMemberRule(['affiliate'])).toBeUndefined();
    });
  });

  describe(validateSchoolUnitCode.name, () => {
    it('accepts exactly eight digits', () => {
      expect(validateSchoolUnitCode('12345678')).toBeUndefined();
    });
    it('rejects anything else with its reason', () => {
      for (const bad of ['1234567', '123456789', '1234567a', ' 12345678', '']) {
        expect(validateSchoolUnitCode(bad)).toBe('sisSchoolUnitCode must be exactly 8 digits');
      }
    });
    it('accepts a string iff it is 8 ASCII digits (property)', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 12 }), (s) => {
          expect(validateSchoolUnitCode(s) === undefined).toBe(/^[0-9]{8}$/.test(s));
        }),
      );
    });
  });

  describe(validateNin.name, () => {
    it('accepts twelve digits and rejects separators or short numbers', () => {
      expect(validateNin('201203041234')).toBeUndefined();
      expect(validateNin('20120304-1234')).toMatch(/12 digits/);
      expect(validateNin('1203041234')).toMatch(/12 digits/);
    });
    it('never puts the value into its reason (property)', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[0-9]{5,11}$/), (s) => {
          expect(validateNin(s)).not.toContain(s);
        }),
      );
    });
  });

  describe(validateUniqueId.name, () => {
    it('accepts [A-Za-z0-9]{1,64}@scope', () => {
      expect(validateUniqueId(`${'a'.repeat(64)}@${scope}`, scope)).toBeUndefined();
      expect(validateUniqueId(`${'a'.repeat(65)}@${scope}`, scope)).toMatch(/1 to 64/);
      expect(validateUniqueId(`a-b@${scope}`, scope)).toMatch(/letters or digits/);
      expect(validateUniqueId('abc@skara.se', scope)).toMatch(/scope/);
    });
  });

  describe(validateSubjectIdSyntax.name, () => {
    it('follows the OASIS subject-id syntax', () => {
      expect(validateSubjectIdSyntax(`Ab=9-x@${scope}`, scope)).toBeUndefined();
      expect(validateSubjectIdSyntax(`-ab@${scope}`, scope)).toMatch(/must match/);
      expect(validateSubjectIdSyntax(`${'a'.repeat(128)}@${scope}`, scope)).toMatch(/must match/);
      expect(validateSubjectIdSyntax('ab@skara.se', scope)).toMatch(/scope/);
      expect(validatePairwiseId(`a_b@${scope}`, scope)).toMatch(/^pairwise-id/);
    });
  });

  describe(validateText.name, () => {
    it('accepts names and refuses empty, over-long or control-character text', () => {
      expect(validateText('Åsa-Li Öberg', 'givenName')).toBeUndefined();
      expect(validateText('  ', 'givenName')).toMatch(/empty/);
      expect(validateText('a'.repeat(257), 'sn')).toMatch(/at most 256/);
      expect(validateText('Åsa\u0000', 'givenName')).toMatch(/control/);
      expect(validateText('Åsa\u007f', 'givenName')).toMatch(/control/);
    });
  });

  describe(validateScope.name, () => {
    it('needs a domain with at least two labels', () => {
      expect(validateScope('skara.se')).toBeUndefined();
      expect(validateScope('skara')).toBeDefined();
      expect(validateScope('-skara.se')).toBeDefined();
      expect(validateHomeOrganization('skara.se', 'skara.se')).toBeUndefined();
      expect(validateHomeOrganization('goteborg.se', 'skara.se')).toMatch(/home organisation/);
    });
  });
});
