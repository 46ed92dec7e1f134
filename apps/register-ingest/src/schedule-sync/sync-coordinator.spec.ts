import type { SyncRunResult } from '../pull-delta/pull-delta.service';
import type { SyncKind, SyncTrigger } from '../sync-state/sync-state.repository';
import { mergeScopes, SyncCoordinator } from './sync-coordinator';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

function result(kind: SyncKind): SyncRunResult {
  return { runId: kind, outcome: 'succeeded', counts: {}, heldPlanIds: [] };
}

describe(SyncCoordinator.name, () => {
  it('coalesces a burst of delta requests during a run into one extra run', async () => {
    const calls: [string, SyncKind, SyncTrigger][] = [];
    const gate = deferred();
    const coordinator = new SyncCoordinator(async (tenant, kind, trigger) => {
      calls.push([tenant, kind, trigger]);
      if (calls.length === 1) await gate.promise;
      return result(kind);
    });
    const first = coordinator.request('skara', 'delta', 'schedule');
    const burst = Array.from({ length: 10 }, () => coordinator.request('skara', 'delta', 'webhook'));
    gate.resolve();
    await Promise.all([first, ...burst]);
    expect(calls).toEqual([
      ['skara', 'delta', 'schedule'],
      ['skara', 'delta', 'webhook'],
    ]);
  });

  it('never runs two syncs of one tenant at the same time, but runs tenants in parallel', async () => {
    const running = new Map<string, number>();
    let maxPerTenant = 0;
    let maxOverall = 0;
    const coordinator = new SyncCoordinator(async (tenant, kind) => {
      running.set(tenant, (running.get(tenant) ?? 0) + 1);
      maxPerTenant = Math.max(maxPerTenant, running.get(tenant)!);
      maxOverall = Math.max(maxOverall, [...running.values()].reduce((a, b) => a + b, 0));
      await new Promise((resolve) => setTimeout(resolve, 5));
      running.set(tenant, running.get(tenant)! - 1);
      return result(kind);
    });
    await Promise.all([
      coordinator.request('skara', 'full', 'manual'),
      coordinator.request('skara', 'delta', 'schedule'),
      coordinator.request('gotene', 'delta', 'schedule'),
    ]);
    expect(maxPerTenant).toBe(1);
    expect(maxOverall).toBe(2);
  });

  it('runs a queued full reconciliation before a queued delta pull', async () => {
    const kinds: SyncKind[] = [];
    const gate = deferred();
    const coordinator = new SyncCoordinator(async (_tenant, kind) => {
      kinds.push(kind);
      if (kinds.length === 1) await gate.promise;
      return result(kind);
    });
    const first = coordinator.request('essunga', 'delta', 'schedule');
    const delta = coordinator.request('essunga', 'delta', 'webhook');
    const full = coordinator.request('essunga', 'full', 'manual');
    gate.resolve();
    await Promise.all([first, delta, full]);
    expect(kinds).toEqual(['delta', 'full', 'delta']);
  });

  it('starts nothing of a held tenant until the hold settles, then runs what queued meanwhile, full first', async () => {
    const calls: [string, SyncKind, SyncTrigger][] = [];
    const coordinator = new SyncCoordinator(async (tenant, kind, trigger) => {
      calls.push([tenant, kind, trigger]);
      return result(kind);
    });
    const decided = deferred();
    coordinator.hold('skara', decided.promise);
    const webhook = coordinator.request('skara', 'delta', 'webhook');
    const otherTenant = coordinator.request('gotene', 'delta', 'webhook');
    await otherTenant;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual([['gotene', 'delta', 'webhook']]);
    expect(coordinator.isBusy('skara')).toBe(true);

    const startup = coordinator.request('skara', 'full', 'startup');
    decided.resolve();
    await Promise.all([webhook, startup]);
    expect(calls.slice(1)).toEqual([
      ['skara', 'full', 'startup'],
      ['skara', 'delta', 'webhook'],
    ]);
  });

  it('releases a hold whose promise is rejected', async () => {
    const kinds: SyncKind[] = [];
    const coordinator = new SyncCoordinator(async (_tenant, kind) => {
      kinds.push(kind);
      return result(kind);
    });
    let fail!: (error: Error) => void;
    coordinator.hold('essunga', new Promise((_, reject) => (fail = reject)));
    const delta = coordinator.request('essunga', 'delta', 'webhook');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(kinds).toEqual([]);
    fail(new Error('database away'));
    await expect(delta).resolves.toMatchObject({ outcome: 'succeeded' });
    expect(kinds).toEqual(['delta']);
  });

  it('passes a failed run to its callers and keeps serving the lane', async () => {
    let calls = 0;
    const coordinator = new SyncCoordinator(async (_tenant, kind) => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return result(kind);
    });
    await expect(coordinator.request('skara', 'delta', 'schedule')).rejects.toThrow('boom');
    await expect(coordinator.request('skara', 'delta', 'schedule')).resolves.toMatchObject({ outcome: 'succeeded' });
    await coordinator.whenIdle();
    expect(coordinator.isBusy('skara')).toBe(false);
  });
});

describe('SyncCoordinator scopes', () => {
  it('merges the scopes of coalesced webhook pulls, and widens to everything when one asks for it', async () => {
    const scopes: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const coordinator = new SyncCoordinator(async (_tenant, kind, _trigger, scope) => {
      scopes.push(scope);
      if (scopes.length === 1) await gate;
      return { runId: kind, outcome: 'succeeded', counts: {}, heldPlanIds: [] };
    });
    const first = coordinator.request('skara', 'delta', 'webhook', { entityTypes: ['Person'], deletions: false });
    const a = coordinator.request('skara', 'delta', 'webhook', { entityTypes: ['Person'], deletions: false });
    const b = coordinator.request('skara', 'delta', 'webhook', { entityTypes: ['Group'], deletions: true });
    release();
    await Promise.all([first, a, b]);
    expect(scopes).toEqual([
      { entityTypes: ['Person'], deletions: false },
      { entityTypes: ['Person', 'Group'], deletions: true },
    ]);
    expect(mergeScopes({ entityTypes: ['Person'], deletions: false }, undefined)).toBeUndefined();
  });
});
