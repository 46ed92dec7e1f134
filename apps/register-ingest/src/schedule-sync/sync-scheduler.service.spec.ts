import type { PullDeltaService, SyncRunResult } from '../pull-delta/pull-delta.service';
import type { ReconcileRegisterService } from '../reconcile-register/reconcile-register.service';
import type { IngestSettings } from '../sync-state/ingest-settings';
import type { SyncStateRepository } from '../sync-state/sync-state.repository';
import { msUntilNextDailyTime, SyncSchedulerService } from './sync-scheduler.service';

describe(msUntilNextDailyTime.name, () => {
  it('waits until the same day when the time is still ahead', () => {
    const now = new Date(2026, 10, 28, 1, 0, 0);
    expect(msUntilNextDailyTime('02:30', now)).toBe(90 * 60_000);
  });

  it('waits until the next day when the time has passed', () => {
    const now = new Date(2026, 10, 28, 3, 0, 0);
    expect(msUntilNextDailyTime('02:30', now)).toBe(23.5 * 3_600_000);
  });

  it('never answers zero (a run exactly at the time is scheduled for tomorrow)', () => {
    const now = new Date(2026, 10, 28, 2, 30, 0);
    expect(msUntilNextDailyTime('02:30', now)).toBe(24 * 3_600_000);
  });
});

describe(SyncSchedulerService.name, () => {
  function scheduler(hasCompleteFullRun: () => Promise<boolean>, runs: string[]) {
    const outcome = (runId: string): SyncRunResult => ({ runId, outcome: 'succeeded', counts: {}, heldPlanIds: [] });
    const settings = {
      tenants: () => ['skara'],
      forTenant: () => ({ deltaIntervalMs: 3_600_000, fullReconcileAt: undefined }),
    } as unknown as IngestSettings;
    const repository = { hasCompleteFullRun } as unknown as SyncStateRepository;
    const pullDelta = {
      pull: async (tenant: string, trigger: string) => {
        runs.push(`delta ${tenant} ${trigger}`);
        return outcome('delta');
      },
    } as unknown as PullDeltaService;
    const reconcile = {
      reconcile: async (tenant: string, trigger: string) => {
        runs.push(`full ${tenant} ${trigger}`);
        return outcome('full');
      },
    } as unknown as ReconcileRegisterService;
    return new SyncSchedulerService(settings, repository, pullDelta, reconcile, true);
  }

  it('runs a new tenant’s first full read before a webhook that arrived while the startup was being decided', async () => {
    const runs: string[] = [];
    let answer!: (complete: boolean) => void;
    const service = scheduler(() => new Promise<boolean>((resolve) => (answer = resolve)), runs);
    service.onApplicationBootstrap();
    const webhook = service.requestDelta('skara', 'webhook');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(runs).toEqual([]);
    answer(false);
    await webhook;
    expect(runs).toEqual(['full skara startup', 'delta skara webhook']);
    await service.beforeApplicationShutdown();
  });

  it('still serves webhooks when the startup decision fails (the database is away at boot)', async () => {
    const runs: string[] = [];
    const service = scheduler(() => Promise.reject(new Error('database away')), runs);
    service.onApplicationBootstrap();
    await service.requestDelta('skara', 'webhook');
    expect(runs).toEqual(['delta skara webhook']);
    await service.beforeApplicationShutdown();
  });
});
