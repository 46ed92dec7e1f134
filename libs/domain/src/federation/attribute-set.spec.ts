import { toAdAttributes } from './ad-attribute-mapping';
import { computeAttributeSet, type FederationPersonInput } from './attribute-set';

const pupil: FederationPersonInput = {
  scope: 'skara.se',
  identifiers: {
    eduPersonPrincipalName: 'k3x9qa7b@skara.se',
    eduPersonUniqueId: 'q1w2e3r4t5y6u7i8o9p0@skara.se',
    subjectId: 'z1x2c3v4b5n6m7a8s9d0@skara.se',
  },
  roles: [{ kind: 'student' }],
  schoolUnitCodes: ['87654321', '12345678'],
  givenName: 'Åsa',
  familyName: 'Ek',
  displayName: 'Åsa Ek',
  mail: 'asa.ek@elev.skara.se',
  civicNo: '201203041234',
  groups: ['7B', 'Matematik 7B'],
};

describe(computeAttributeSet.name, () => {
  it('computes the Skolfederation set and keeps the civic number apart', () => {
    const set = computeAttributeSet(pupil);
    expect(set.violations).toEqual([]);
    expect(set.attributes).toEqual({
      eduPersonPrincipalName: ['k3x9qa7b@skara.se'],
      eduPersonUniqueId: ['q1w2e3r4t5y6u7i8o9p0@skara.se'],
      'subject-id': ['z1x2c3v4b5n6m7a8s9d0@skara.se'],
      eduPersonScopedAffiliation: ['student@skara.se', 'member@skara.se'],
      eduPersonAffiliation: ['student', 'member'],
      sisSchoolUnitCode: ['12345678', '87654321'],
      schacHomeOrganization: ['skara.se'],
      givenName: ['Åsa'],
      sn: ['Ek'],
      displayName: ['Åsa Ek'],
      mail: ['asa.ek@elev.skara.se'],
      isMemberOf: ['7B', 'Matematik 7B'],
    });
    expect(set.sensitive).toEqual({ norEduPersonNIN: ['201203041234'] });
  });

  it('rejects an invalid school unit code with its reason and keeps the valid ones', () => {
    const set = computeAttributeSet({ ...pupil, schoolUnitCodes: ['12345678', '1234'] });
    expect(set.attributes.sisSchoolUnitCode).toEqual(['12345678']);
    expect(set.violations).toEqual([
      { attribute: 'sisSchoolUnitCode', reason: 'sisSchoolUnitCode must be exactly 8 digits', value: '1234' },
    ]);
  });

  it('names a bad civic number without its value', () => {
    const set = computeAttributeSet({ ...pupil, civicNo: '20120304-1234' });
    expect(set.sensitive).toEqual({});
    expect(set.violations).toEqual([{ attribute: 'norEduPersonNIN', reason: 'norEduPersonNIN must be exactly 12 digits' }]);
  });

  it('drops an ePPN at another scope', () => {
    const set = computeAttributeSet({
      ...pupil,
      identifiers: { ...pupil.identifiers, eduPersonPrincipalName: 'k3x9qa7b@lidkoping.se' },
    });
    expect(set.attributes.eduPersonPrincipalName).toBeUndefined();
    expect(set.violations.map((v) => v.attribute)).toEqual(['eduPersonPrincipalName']);
  });

  it('uses a configured home organisation that differs from the scope', () => {
    const set = computeAttributeSet({ ...pupil, homeOrganization: 'Skara.kommun.se' });
    expect(set.attributes.schacHomeOrganization).toEqual(['skara.kommun.se']);
    expect(set.violations).toEqual([]);
  });

  it('puts groups into the configured attribute', () => {
    const set = computeAttributeSet({ ...pupil, groupAttribute: 'eduPersonEntitlement' });
    expect(set.attributes.eduPersonEntitlement).toEqual(['7B', 'Matematik 7B']);
    expect(set.attributes.isMemberOf).toBeUndefined();
  });
});

describe(toAdAttributes.name, () => {
  it('maps the published set onto the default AD attributes and clears on revoke', () => {
    const { attributes } = computeAttributeSet({ ...pupil, roles: [{ kind: 'staff', dutyRole: 'Lärare' }] });
    expect(toAdAttributes(attributes)).toEqual({
      employeeNumber: ['k3x9qa7b@skara.se'],
      uid: ['q1w2e3r4t5y6u7i8o9p0@skara.se'],
      businessCategory: ['faculty@skara.se', 'employee@skara.se', 'member@skara.se'],
      employeeType: ['faculty;employee;member'],
      departmentNumber: ['12345678', '87654321'],
    });
    expect(toAdAttributes({})).toEqual({
      employeeNumber: [],
      uid: [],
      businessCategory: [],
      employeeType: [],
      departmentNumber: [],
    });
  });
});
