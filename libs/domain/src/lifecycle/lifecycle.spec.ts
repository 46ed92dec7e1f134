import fc from 'fast-check';
import { DEFAULT_LIFECYCLE_POLICY, evaluateLifecycle, lifecycleEventKind, type LifecycleFacts, type LifecycleStatus } from './lifecycle';

const facts = (over: Partial<LifecycleFacts> = {}): LifecycleFacts => ({
  hasActiveRole: false,
  lastEndedRoleWasEnrolment: false,
  deletedInRegister: false,
  movedToOtherTenant: false,
  ...over,
});
const policy = { ...DEFAULT_LIFECYCLE_POLICY, graceDays: 30, retentionDays: 60 };
const active: LifecycleStatus = { state: 'active', cause: 'ROLE_STARTED', since: '2025-08-15' };

describe('evaluateLifecycle', () => {
  it('starts a person without an active role as pending', () => {
    expect(evaluateLifecycle(null, facts(), '2026-08-01', policy)).toEqual({
      status: { state: 'pending', cause: 'REGISTERED', since: '2026-08-01' },
      transitions: [{ from: null, to: 'pending', cause: 'REGISTERED', on: '2026-08-01' }],
    });
  });

  it('activates pending when a role starts', () => {
    const pending: LifecycleStatus = { state: 'pending', cause: 'REGISTERED', since: '2026-08-01' };
    expect(evaluateLifecycle(pending, facts({ hasActiveRole: true }), '2026-08-15', policy).transitions).toEqual([
      { from: 'pending', to: 'active', cause: 'ROLE_STARTED', on: '2026-08-15' },
    ]);
  });

  it('changes nothing while the role is active', () => {
    expect(evaluateLifecycle(active, facts({ hasActiveRole: true }), '2026-10-01', policy)).toEqual({ status: active, transitions: [] });
  });

  it('starts leaving the day after the last role ended, with the grace period', () => {
    const decision = evaluateLifecycle(active, facts({ lastRoleEnd: '2026-10-10' }), '2026-10-12', policy);
    expect(decision.status).toEqual({ state: 'leaving', cause: 'ROLE_ENDED', since: '2026-10-11', suspendOn: '2026-11-10', deactivateOn: '2027-01-09' });
  });

  it('keeps a pupil whose enrolment ends in June until 31 August', () => {
    const decision = evaluateLifecycle(active, facts({ lastRoleEnd: '2026-06-12', lastEndedRoleWasEnrolment: true }), '2026-06-13', policy);
    expect(decision.status).toMatchObject({ state: 'leaving', since: '2026-06-13', suspendOn: '2026-09-01' });
    expect(evaluateLifecycle(decision.status, facts({ lastRoleEnd: '2026-06-12', lastEndedRoleWasEnrolment: true }), '2026-08-31', policy).transitions).toEqual([]);
    expect(evaluateLifecycle(decision.status, facts({ lastRoleEnd: '2026-06-12', lastEndedRoleWasEnrolment: true }), '2026-09-01', policy).transitions).toEqual([
      { from: 'leaving', to: 'suspended', cause: 'GRACE_PERIOD_ENDED', on: '2026-09-01' },
    ]);
  });

  it('does not apply the summer rule to staff whose duty ends in June', () => {
    const decision = evaluateLifecycle(active, facts({ lastRoleEnd: '2026-06-12', lastEndedRoleWasEnrolment: false }), '2026-06-13', policy);
    expect(decision.status.suspendOn).toBe('2026-07-13');
  });

  it('suspends and then deactivates when the periods end, each with its cause', () => {
    const leaving: LifecycleStatus = { state: 'leaving', cause: 'ROLE_ENDED', since: '2026-10-11', suspendOn: '2026-11-10', deactivateOn: '2027-01-09' };
    expect(evaluateLifecycle(leaving, facts(), '2026-11-09', policy).transitions).toEqual([]);
    const suspended = evaluateLifecycle(leaving, facts(), '2026-11-10', policy);
    expect(suspended.status).toEqual({ state: 'suspended', cause: 'GRACE_PERIOD_ENDED', since: '2026-11-10', deactivateOn: '2027-01-09' });
    expect(evaluateLifecycle(suspended.status, facts(), '2027-01-09', policy).transitions).toEqual([
      { from: 'suspended', to: 'deactivated', cause: 'RETENTION_PERIOD_ENDED', on: '2027-01-09' },
    ]);
  });

  it('passes every missed deadline in one late evaluation', () => {
    const decision = evaluateLifecycle(active, facts({ lastRoleEnd: '2026-01-10' }), '2026-12-01', policy);
    expect(decision.transitions.map((t) => [t.to, t.cause, t.on])).toEqual([
      ['leaving', 'ROLE_ENDED', '2026-01-11'],
      ['suspended', 'GRACE_PERIOD_ENDED', '2026-02-10'],
      ['deactivated', 'RETENTION_PERIOD_ENDED', '2026-04-11'],
    ]);
  });

  it.each([
    ['leaving', { state: 'leaving', cause: 'ROLE_ENDED', since: '2026-06-13', suspendOn: '2026-09-01' }],
    ['suspended', { state: 'suspended', cause: 'GRACE_PERIOD_ENDED', since: '2026-09-01' }],
    ['deactivated', { state: 'deactivated', cause: 'RETENTION_PERIOD_ENDED', since: '2026-11-01' }],
  ] as const)('reactivates a returner from %s', (_state, status) => {
    const decision = evaluateLifecycle(status as LifecycleStatus, facts({ hasActiveRole: true }), '2027-01-10', policy);
    expect(decision.status).toEqual({ state: 'active', cause: 'RETURNED', since: '2027-01-10' });
  });

  it.each([
    [{ personStatus: 'Avliden' }, 'PERSON_DECEASED'],
    [{ personStatus: 'Utvandrad' }, 'PERSON_EMIGRATED'],
    [{ deletedInRegister: true }, 'DELETED_IN_REGISTER'],
  ] as const)('deactivates at once on %j', (over, cause) => {
    const decision = evaluateLifecycle(active, facts({ hasActiveRole: true, ...over }), '2026-10-01', policy);
    expect(decision.transitions).toEqual([{ from: 'active', to: 'deactivated', cause, on: '2026-10-01' }]);
  });

  it('goes leaving → suspended at once on a move to another tenant, even while the old register lists the person', () => {
    const decision = evaluateLifecycle(active, facts({ hasActiveRole: true, movedToOtherTenant: true }), '2026-10-01', policy);
    expect(decision.transitions).toEqual([
      { from: 'active', to: 'leaving', cause: 'MOVED_TO_OTHER_TENANT', on: '2026-10-01' },
      { from: 'leaving', to: 'suspended', cause: 'MOVED_TO_OTHER_TENANT', on: '2026-10-01' },
    ]);
    expect(decision.status).toEqual({ state: 'suspended', cause: 'MOVED_TO_OTHER_TENANT', since: '2026-10-01', deactivateOn: '2026-11-30' });
  });

  it('skips the summer grace for a June leaver who moves, and keeps the earlier deactivation day', () => {
    const leaving: LifecycleStatus = { state: 'leaving', cause: 'ROLE_ENDED', since: '2026-06-13', suspendOn: '2026-09-01', deactivateOn: '2026-10-31' };
    const decision = evaluateLifecycle(leaving, facts({ lastRoleEnd: '2026-06-12', lastEndedRoleWasEnrolment: true, movedToOtherTenant: true }), '2026-09-20', policy);
    expect(decision.transitions).toEqual([{ from: 'leaving', to: 'suspended', cause: 'MOVED_TO_OTHER_TENANT', on: '2026-09-20' }]);
    expect(decision.status.deactivateOn).toBe('2026-10-31');
  });

  it('deactivates an identity an operator merged into another, and keeps it so when roles return', () => {
    const decision = evaluateLifecycle(active, facts({ hasActiveRole: true, mergedIntoOther: true }), '2026-10-01', policy);
    expect(decision.transitions).toEqual([{ from: 'active', to: 'deactivated', cause: 'MERGED', on: '2026-10-01' }]);
    expect(evaluateLifecycle(decision.status, facts({ hasActiveRole: true, mergedIntoOther: true }), '2026-10-02', policy).transitions).toEqual([]);
  });

  it('names the event for each kind of change', () => {
    expect(lifecycleEventKind('active', 'deactivated')).toBe('deactivated');
    expect(lifecycleEventKind('deactivated', 'active')).toBe('reactivated');
    expect(lifecycleEventKind('suspended', 'active')).toBe('reactivated');
    expect(lifecycleEventKind('leaving', 'active')).toBe('changed');
    expect(lifecycleEventKind('active', 'leaving')).toBe('changed');
  });

  const states: LifecycleStatus[] = [
    { state: 'pending', cause: 'REGISTERED', since: '2026-01-01' },
    active,
    { state: 'leaving', cause: 'ROLE_ENDED', since: '2026-06-13', suspendOn: '2026-09-01', deactivateOn: '2026-10-31' },
    { state: 'suspended', cause: 'GRACE_PERIOD_ENDED', since: '2026-09-01', deactivateOn: '2026-10-31' },
    { state: 'deactivated', cause: 'RETENTION_PERIOD_ENDED', since: '2026-10-31' },
  ];
  const arbitraryFacts = fc.record({
    hasActiveRole: fc.boolean(),
    lastRoleEnd: fc.option(fc.constantFrom('2026-01-15', '2026-06-12', '2026-08-31'), { nil: undefined }),
    lastEndedRoleWasEnrolment: fc.boolean(),
    personStatus: fc.constantFrom('Aktiv', 'Avliden', 'Utvandrad', undefined),
    deletedInRegister: fc.boolean(),
    movedToOtherTenant: fc.boolean(),
    mergedIntoOther: fc.boolean(),
  });
  const day = fc.date({ min: new Date('2026-01-01'), max: new Date('2028-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

  it('is idempotent: evaluating the result again on the same day changes nothing', () => {
    fc.assert(
      fc.property(fc.option(fc.constantFrom(...states), { nil: undefined }), arbitraryFacts, day, (current, f, today) => {
        const once = evaluateLifecycle(current, f, today, policy);
        expect(evaluateLifecycle(once.status, f, today, policy)).toEqual({ status: once.status, transitions: [] });
      }),
    );
  });

  it('only ever makes allowed transitions, chained from the current state', () => {
    const allowed = new Set(['null>pending', 'null>active', 'null>deactivated', 'pending>active', 'pending>leaving', 'pending>deactivated', 'active>leaving', 'active>deactivated', 'leaving>suspended', 'leaving>active', 'leaving>deactivated', 'suspended>deactivated', 'suspended>active', 'deactivated>active']);
    fc.assert(
      fc.property(fc.option(fc.constantFrom(...states), { nil: undefined }), arbitraryFacts, day, (current, f, today) => {
        const { status, transitions } = evaluateLifecycle(current, f, today, policy);
        let from = current?.state ?? null;
        for (const t of transitions) {
          expect(t.from).toBe(from);
          expect(allowed.has(`${t.from}>${t.to}`)).toBe(true);
          from = t.to;
        }
        expect(status.state).toBe(from);
      }),
    );
  });
});
