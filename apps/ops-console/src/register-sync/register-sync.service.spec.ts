import { toRegisterSync } from './register-sync.service';

describe(toRegisterSync.name, () => {
  it('reads tenant, kind, completion time and change count of a sync.completed event', () => {
    expect(
      toRegisterSync({ tenant: 'skara', data: { tenant: 'skara', kind: 'delta', startedAt: '2026-11-28T08:00:00Z', completedAt: '2026-11-28T08:00:02.5Z', changes: 3 } }),
    ).toEqual({ tenant: 'skara', kind: 'delta', completedAt: '2026-11-28T08:00:02.500Z', changes: 3 });
  });

  it('ignores an event without a valid completion time', () => {
    expect(toRegisterSync({ tenant: 'skara', data: { tenant: 'skara', kind: 'full' } })).toBeUndefined();
    expect(toRegisterSync({ tenant: 'skara', data: { tenant: 'skara', completedAt: 'yesterday-ish' } })).toBeUndefined();
    expect(toRegisterSync({ tenant: null, data: 'not json' })).toBeUndefined();
  });
});
