import fc from 'fast-check';
import { deriveRoles, isActiveOn, type GroupMembershipFacts, type RoleFacts } from './roles';

const organisations = new Map([
  ['unit-a', { id: 'unit-a', displayName: 'Rudbecksskolan', organisationType: 'Skolenhet', schoolUnitCode: '12345678' }],
  ['unit-b', { id: 'unit-b', displayName: 'Vallhamra', organisationType: 'Skolenhet', schoolUnitCode: '87654321' }],
  ['kommun', { id: 'kommun', displayName: 'Skara kommun', organisationType: 'Huvudman', schoolUnitCode: null }],
]);
const facts = (over: Partial<RoleFacts>): RoleFacts => ({ enrolments: [], duties: [], memberships: [], organisations, ...over });
const group = (over: Partial<GroupMembershipFacts>): GroupMembershipFacts => ({
  groupId: 'g1',
  groupType: 'Klass',
  displayName: '7A',
  group: { startDate: '2026-08-15' },
  ...over,
});

describe('isActiveOn', () => {
  it('includes the start and end days', () => {
    expect(isActiveOn({ startDate: '2026-08-15', endDate: '2027-06-15' }, '2026-08-15')).toBe(true);
    expect(isActiveOn({ startDate: '2026-08-15', endDate: '2027-06-15' }, '2027-06-15')).toBe(true);
    expect(isActiveOn({ startDate: '2026-08-15', endDate: '2027-06-15' }, '2027-06-16')).toBe(false);
    expect(isActiveOn({ startDate: '2026-08-15', endDate: '2027-06-15' }, '2026-08-14')).toBe(false);
  });

  it('is never active when cancelled', () => {
    expect(isActiveOn({ startDate: '2026-08-15', cancelled: true }, '2026-09-01')).toBe(false);
  });

  it('agrees with start ≤ today ≤ end for any dates', () => {
    const day = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.option(day), day, fc.boolean(), (start, end, today, cancelled) => {
        const expected = !cancelled && start <= today && (end === null || today <= end);
        expect(isActiveOn({ startDate: start, endDate: end, cancelled }, today)).toBe(expected);
      }),
    );
  });
});

describe('deriveRoles', () => {
  const today = '2026-10-01';

  it('makes a pupil of an active enrolment, with the school unit code', () => {
    const roles = deriveRoles(facts({ enrolments: [{ organisationId: 'unit-a', startDate: '2026-08-15', endDate: '2027-06-15' }] }), today);
    expect(roles).toMatchObject({ student: true, dutyRoles: [], affiliations: ['student', 'member'], schoolUnitCodes: ['12345678'], hasActiveRole: true });
    expect(roles.schoolUnits).toEqual([{ organisationId: 'unit-a', displayName: 'Rudbecksskolan', schoolUnitCode: '12345678', student: true, staff: false }]);
  });

  it('ignores ended, future and cancelled enrolments', () => {
    const roles = deriveRoles(
      facts({
        enrolments: [
          { organisationId: 'unit-a', startDate: '2025-08-15', endDate: '2026-06-15' },
          { organisationId: 'unit-b', startDate: '2027-01-08' },
          { organisationId: 'unit-b', startDate: '2026-08-15', cancelled: true },
        ],
      }),
      today,
    );
    expect(roles).toMatchObject({ student: false, affiliations: [], schoolUnitCodes: [], hasActiveRole: false, hasUpcomingRole: true });
    expect(roles.lastRoleEnd).toBe('2026-06-15');
    expect(roles.lastEndedRoleWasEnrolment).toBe(true);
  });

  it('maps a teaching duty to faculty and another duty to staff, both employees', () => {
    expect(deriveRoles(facts({ duties: [{ id: 'd1', organisationId: 'unit-a', dutyRole: 'Lärare', startDate: '2020-01-01' }] }), today).affiliations).toEqual([
      'faculty',
      'employee',
      'member',
    ]);
    expect(deriveRoles(facts({ duties: [{ id: 'd1', organisationId: 'unit-a', dutyRole: 'Rektor', startDate: '2020-01-01' }] }), today).affiliations).toEqual([
      'staff',
      'employee',
      'member',
    ]);
  });

  it('gives both roles to a pupil with a duty, over two school units', () => {
    const roles = deriveRoles(
      facts({
        enrolments: [{ organisationId: 'unit-a', startDate: '2026-08-15' }],
        duties: [{ id: 'd1', organisationId: 'unit-b', dutyRole: 'Elevassistent', startDate: '2026-09-01' }],
      }),
      today,
    );
    expect(roles.affiliations).toEqual(['student', 'staff', 'employee', 'member']);
    expect(roles.dutyRoles).toEqual(['Elevassistent']);
    expect(roles.schoolUnitCodes).toEqual(['12345678', '87654321']);
  });

  it('leaves out a code that is not eight digits', () => {
    const roles = deriveRoles(facts({ duties: [{ id: 'd1', organisationId: 'kommun', dutyRole: 'Rektor', startDate: '2020-01-01' }] }), today);
    expect(roles.schoolUnits).toEqual([{ organisationId: 'kommun', displayName: 'Skara kommun', student: false, staff: true }]);
    expect(roles.schoolUnitCodes).toEqual([]);
  });

  it('takes the class from the active Klass membership and lists teaching groups', () => {
    const roles = deriveRoles(
      facts({
        memberships: [
          group({ groupId: 'old', displayName: '6A', startDate: '2025-08-15', endDate: '2026-06-15' }),
          group({ groupId: 'k7a', displayName: '7A', startDate: '2026-08-15' }),
          group({ groupId: 'ma7', groupType: 'Undervisning', displayName: 'Ma 7A' }),
          group({ groupId: 'mentor', groupType: 'Mentor', displayName: 'Mentor 7' }),
          group({ groupId: 'ended', groupType: 'Undervisning', displayName: 'Sv 6', group: { startDate: '2025-08-01', endDate: '2026-06-01' } }),
        ],
      }),
      today,
    );
    expect(roles.klass).toEqual({ groupId: 'k7a', displayName: '7A' });
    expect(roles.teachingGroups).toEqual([{ groupId: 'ma7', displayName: 'Ma 7A' }]);
  });

  it('picks the same class whatever order the memberships come in', () => {
    const memberships = [
      group({ groupId: 'a', startDate: '2026-08-15' }),
      group({ groupId: 'b', startDate: '2026-08-15' }),
      group({ groupId: 'c', startDate: '2026-09-01' }),
      group({ groupId: 't', groupType: 'Undervisning' }),
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(memberships, { minLength: memberships.length }), (shuffled) => {
        expect(deriveRoles(facts({ memberships: shuffled }), today)).toEqual(deriveRoles(facts({ memberships }), today));
      }),
    );
  });
});
