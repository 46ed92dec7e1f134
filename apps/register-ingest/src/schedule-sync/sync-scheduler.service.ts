// Drives every tenant's syncs: a delta pull every deltaInterval, a full reconciliation daily at the
// configured local time (and at boot when none has completed yet), plus runs asked for by webhooks and
// operators. All go through one SyncCoordinator lane per tenant.
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PullDeltaService, SyncRunResult } from '../pull-delta/pull-delta.service';
import { ReconcileRegisterService } from '../reconcile-register/reconcile-register.service';
import { IngestSettings } from '../sync-state/ingest-settings';
import { SyncStateRepository, SyncTrigger } from '../sync-state/sync-state.repository';
import { SyncCoordinator, type SyncScope } from './sync-coordinator';

/** Milliseconds from `now` until the next local HH:MM. */
export function msUntilNextDailyTime(hhmm: string, now: Date): number {
  const [hours, minutes] = hhmm.split(':').map(Number) as [number, number];
  const next = new Date(now);
  next.setHours(hours, minutes, 0, 0);
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 1);
  return next.getTime() - now.getTime();
}

export class SyncSchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncSchedulerService.name);
  private readonly coordinator: SyncCoordinator;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly settings: IngestSettings,
    private readonly repository: SyncStateRepository,
    pullDelta: PullDeltaService,
    reconcile: ReconcileRegisterService,
    private readonly scheduleEnabled: boolean,
  ) {
    this.coordinator = new SyncCoordinator((tenant, kind, trigger, scope) =>
      kind === 'full' ? reconcile.reconcile(tenant, trigger) : pullDelta.pull(tenant, trigger, scope),
    );
  }

  /** A delta pull; `scope` narrows it to what a webhook said changed (undefined = everything). */
  requestDelta(tenant: string, trigger: SyncTrigger, scope?: SyncScope): Promise<SyncRunResult> {
    return this.coordinator.request(tenant, 'delta', trigger, scope);
  }

  requestFull(tenant: string, trigger: SyncTrigger): Promise<SyncRunResult> {
    return this.coordinator.request(tenant, 'full', trigger);
  }

  onApplicationBootstrap(): void {
    if (!this.scheduleEnabled) return;
    for (const tenant of this.settings.tenants()) {
      const settings = this.settings.forTenant(tenant);
      this.startTenant(tenant);
      this.timers.push(
        setInterval(() => {
          // A pull already queued or running covers this tick.
          if (!this.coordinator.isBusy(tenant)) this.requestDelta(tenant, 'schedule').catch(() => undefined);
        }, settings.deltaIntervalMs),
      );
      if (settings.fullReconcileAt) this.scheduleNightly(tenant, settings.fullReconcileAt);
    }
  }

  /** Lets a run in progress finish before shutdown goes on to close the database (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.coordinator.whenIdle();
  }

  /**
   * Queues the startup run. Its kind is read from the database first, and the lane is held until it
   * is queued (synchronously, before the HTTP server takes webhooks), so a webhook arriving at boot
   * waits for it: a new tenant's first full read always goes before any delta.
   */
  private startTenant(tenant: string): void {
    const queued = this.repository.hasCompleteFullRun(tenant).then((complete) => {
      const kind = complete ? ('delta' as const) : ('full' as const);
      return { kind, run: this.coordinator.request(tenant, kind, 'startup') };
    });
    this.coordinator.hold(tenant, queued);
    queued
      .then(async ({ kind, run }) => {
        const result = await run;
        this.logger.log(`startup ${kind} sync of ${tenant}: ${result.outcome}`);
      })
      .catch((error: unknown) => this.logger.warn(`startup sync of ${tenant} failed: ${(error as Error).message}`));
  }

  private scheduleNightly(tenant: string, hhmm: string): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.requestFull(tenant, 'schedule').catch(() => undefined);
      this.scheduleNightly(tenant, hhmm);
    }, msUntilNextDailyTime(hhmm, new Date()));
    this.timers.push(timer);
  }
}
