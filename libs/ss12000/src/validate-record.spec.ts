import fc from 'fast-check';
import { validateRecord } from './validate-record';

const META = { created: '2026-08-01T08:00:00Z', modified: '2026-08-01T08:00:00.123+02:00' };
const ORG = '6d3f4a2e-8c1b-4f6a-9e0d-1a2b3c4d5e6f';
const CIVIC = '191212121212';

function aPerson(overrides: Record<string, unknown> = {}) {
  return {
    id: '0b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
    meta: META,
    givenName: 'Åsa',
    familyName: 'Öberg-Lindén',
    civicNo: { value: CIVIC, nationality: 'SE' },
    sex: 'Kvinna',
    securityMarking: 'Ingen',
    personStatus: 'Aktiv',
    emails: [{ value: 'asa@example.se', type: 'Skola elev' }],
    enrolments: [{ enroledAt: { id: ORG }, schoolType: 'GR', startDate: '2020-08-17', schoolYear: 6 }],
    ...overrides,
  };
}

describe('validateRecord', () => {
  it('passes a complete person through unchanged', () => {
    const person = aPerson();
    const result = validateRecord('persons', person);
    expect(result).toEqual({ ok: true, record: person });
  });

  it('rejects a person without familyName and names the field', () => {
    const { familyName: _, ...person } = aPerson();
    const result = validateRecord('persons', person);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection).toEqual({ entity: 'Person', id: person.id, reason: 'familyName is missing' });
    }
  });

  it('rejects an unknown enum value and quotes it', () => {
    const result = validateRecord('persons', aPerson({ securityMarking: 'Hemlig' }));
    expect(!result.ok && result.rejection.reason).toBe('securityMarking has unknown value "Hemlig"');
  });

  it('rejects a bad civic number without ever quoting it', () => {
    const result = validateRecord('persons', aPerson({ civicNo: { value: '191212121213' } }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection.reason).toBe('civicNo.value is not a valid personnummer or samordningsnummer');
      expect(JSON.stringify(result.rejection)).not.toContain('191212121213');
    }
  });

  it('masks a civic number that a register put in the id or an enum field', () => {
    const result = validateRecord('persons', aPerson({ id: '191212121212', sex: '19121212-1212' }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(JSON.stringify(result.rejection)).not.toMatch(/1212121212/);
      expect(result.rejection.reason).toContain('id is not a uuid');
    }
  });

  it('accepts a person without civicNo', () => {
    const { civicNo: _, ...person } = aPerson();
    expect(validateRecord('persons', person).ok).toBe(true);
  });

  it('checks enrolments one by one', () => {
    const result = validateRecord(
      'persons',
      aPerson({
        enrolments: [
          { enroledAt: { id: ORG }, schoolType: 'GR', startDate: '2020-08-17' },
          { schoolType: 'XX' },
        ],
      }),
    );
    expect(!result.ok && result.rejection.reason).toBe(
      'enrolments[1].enroledAt is missing; enrolments[1].schoolType has unknown value "XX"; enrolments[1].startDate is missing',
    );
  });

  it('requires meta with RFC 3339 times', () => {
    const result = validateRecord(
      'persons',
      aPerson({ meta: { created: 'yesterday', modified: META.modified } }),
    );
    expect(!result.ok && result.rejection.reason).toBe('meta.created is not an RFC 3339 date-time');
  });

  it('validates organisations, groups and duties by their own rules', () => {
    const org = {
      id: ORG,
      meta: META,
      displayName: 'Källby skola',
      organisationType: 'Skolenhet',
      schoolUnitCode: '1234567',
    };
    expect(!validateRecord('organisations', org).ok && 'rejected').toBe('rejected');
    expect(validateRecord('organisations', { ...org, schoolUnitCode: '12345678' }).ok).toBe(true);

    const group = {
      id: '1b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
      meta: META,
      displayName: '7A',
      groupType: 'Klass',
      organisation: { id: ORG },
      startDate: '2026-08-17',
      groupMemberships: [{ person: { id: 'nope' } }],
    };
    const g = validateRecord('groups', group);
    expect(!g.ok && g.rejection).toEqual({
      entity: 'Group',
      id: group.id,
      reason: 'groupMemberships[0].person.id is not a uuid',
    });

    const duty = {
      id: '2b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
      meta: META,
      dutyAt: { id: ORG },
      dutyRole: 'Lärare',
      startDate: '2020-01-01',
    };
    expect(validateRecord('duties', duty).ok).toBe(true);
    const d = validateRecord('duties', { ...duty, dutyRole: 'Vaktmästare' });
    expect(!d.ok && d.rejection.reason).toBe('dutyRole has unknown value "Vaktmästare"');
  });

  it('never throws and never leaks a civic number, whatever the record holds', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.constantFrom('persons', 'organisations', 'groups', 'duties' as const),
        (junk, entity) => {
          const result = validateRecord(entity, junk);
          if (!result.ok) expect(typeof result.rejection.reason).toBe('string');
          const withCivic = validateRecord(
            'persons',
            aPerson({ civicNo: { value: CIVIC }, sex: junk, givenName: junk }),
          );
          if (!withCivic.ok) expect(JSON.stringify(withCivic.rejection)).not.toContain(CIVIC);
        },
      ),
    );
  });
});
