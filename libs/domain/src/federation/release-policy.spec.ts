import fc from 'fast-check';
import { FEDERATION_ATTRIBUTE_NAMES, FEDERATION_ATTRIBUTES, type FederationAttributeValues } from './federation-attributes';
import { filterRelease, type ReleasePolicy } from './release-policy';

const values: FederationAttributeValues = {
  eduPersonPrincipalName: ['k3x9qa@skara.se'],
  eduPersonScopedAffiliation: ['student@skara.se', 'member@skara.se'],
  givenName: ['Åsa'],
  sn: ['Ek'],
  displayName: ['Åsa Ek'],
  mail: ['asa.ek@skara.se'],
  norEduPersonNIN: ['201203041234'],
  sisSchoolUnitCode: ['12345678'],
};

describe(filterRelease.name, () => {
  const policy: ReleasePolicy = {
    entityId: 'https://lms.example.org/sp',
    attributes: ['eduPersonPrincipalName', 'givenName', 'sn', 'mail', 'sisSchoolUnitCode', 'eduPersonUniqueId'],
  };

  it("releases exactly the policy's attributes that have values", () => {
    expect(filterRelease(values, policy, { protectedIdentity: false })).toEqual({
      eduPersonPrincipalName: ['k3x9qa@skara.se'],
      givenName: ['Åsa'],
      sn: ['Ek'],
      mail: ['asa.ek@skara.se'],
      sisSchoolUnitCode: ['12345678'],
    });
  });

  it('gives a protected identity the minimal set: no names, mail or NIN', () => {
    const all: ReleasePolicy = { entityId: 'x', attributes: FEDERATION_ATTRIBUTE_NAMES };
    expect(filterRelease(values, all, { protectedIdentity: true })).toEqual({
      eduPersonPrincipalName: ['k3x9qa@skara.se'],
      eduPersonScopedAffiliation: ['student@skara.se', 'member@skara.se'],
      sisSchoolUnitCode: ['12345678'],
    });
  });

  it('releases more for a protected identity only where the policy says so', () => {
    const lenient: ReleasePolicy = { ...policy, protectedIdentityAllows: ['givenName'] };
    expect(filterRelease(values, lenient, { protectedIdentity: true })).toEqual({
      eduPersonPrincipalName: ['k3x9qa@skara.se'],
      givenName: ['Åsa'],
      sisSchoolUnitCode: ['12345678'],
    });
  });

  it('never releases an attribute outside the policy, nor personal data of a protected identity (property)', () => {
    fc.assert(
      fc.property(fc.subarray(FEDERATION_ATTRIBUTE_NAMES), fc.boolean(), (attributes, protectedIdentity) => {
        const released = filterRelease(values, { entityId: 'sp', attributes }, { protectedIdentity });
        for (const name of Object.keys(released)) {
          expect(attributes).toContain(name);
          if (protectedIdentity) expect(FEDERATION_ATTRIBUTES[name as keyof typeof FEDERATION_ATTRIBUTES].personal).toBe(false);
        }
      }),
    );
  });
});
