// Full reconciliation: reads every page of every entity type. Only a complete read may imply
// deletions (entities we hold that the read did not contain); a failed read is retried and, if it
// never completes, deletes nothing. A read far smaller than before holds its deletions as a plan.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { EntityType, prefetchPages, RegisterSourceFactory } from '../register-source/register-source';
import { IngestMetrics } from '../sync-state/ingest-metrics';
import { IngestSettings } from '../sync-state/ingest-settings';
import { emptyCounts, EntityCounts, SyncStateRepository, SyncTrigger } from '../sync-state/sync-state.repository';
import type { SyncRunResult } from '../pull-delta/pull-delta.service';

interface CompleteRead {
  seenMarker: string;
  seen: Map<EntityType, number>;
  newest: Map<EntityType, Date>;
}

export class ReconcileRegisterService {
  private readonly logger = new Logger(ReconcileRegisterService.name);

  constructor(
    private readonly repository: SyncStateRepository,
    private readonly sources: RegisterSourceFactory,
    private readonly settings: IngestSettings,
    private readonly metrics: IngestMetrics,
  ) {}

  async reconcile(tenant: string, trigger: SyncTrigger): Promise<SyncRunResult> {
    const settings = this.settings.forTenant(tenant);
    const started = process.hrtime.bigint();
    const runId = await this.repository.startRun(tenant, 'full', trigger);
    const counts: Record<string, EntityCounts> = {};
    for (const entityType of settings.entityTypes) counts[entityType] = emptyCounts();
    try {
      // What we believed existed before this read: the baseline for the safety rail.
      const previous = new Map<EntityType, number>();
      for (const entityType of settings.entityTypes) previous.set(entityType, await this.repository.countLive(tenant, entityType));

      let read: CompleteRead | undefined;
      let attempts = 0;
      let lastError = '';
      while (!read && attempts < settings.fullReadAttempts) {
        attempts += 1;
        try {
          read = await this.readEverything(tenant, settings.entityTypes, counts);
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
          this.logger.warn(`full read of ${tenant} failed (attempt ${attempts}/${settings.fullReadAttempts}): ${lastError}`);
          if (attempts < settings.fullReadAttempts) await sleep(settings.fullReadRetryDelayMs * attempts);
        }
      }
      if (!read) {
        const error = `full read incomplete after ${attempts} attempts, no deletions emitted: ${lastError}`;
        await this.repository.finishRun(runId, { outcome: 'failed', complete: false, attempts, counts, error });
        this.metrics.syncRuns.inc({ tenant, kind: 'full', outcome: 'failed' });
        return { runId, outcome: 'failed', counts, heldPlanIds: [], error };
      }

      for (const [entityType, newest] of read.newest) await this.repository.advanceWatermark(tenant, entityType, newest);

      const heldPlanIds: string[] = [];
      for (const entityType of settings.entityTypes) {
        const absent = await this.repository.findAbsent(tenant, entityType, read.seenMarker);
        if (absent.length === 0) continue;
        const previousCount = previous.get(entityType) ?? 0;
        const seenCount = read.seen.get(entityType) ?? 0;
        if (previousCount > 0 && seenCount < settings.minimumFullReadShare * previousCount) {
          const reason =
            `full read returned ${seenCount} ${entityType} records, fewer than ` +
            `${Math.round(settings.minimumFullReadShare * 100)}% of the ${previousCount} held before`;
          const planId = await this.repository.holdPlan(
            tenant,
            runId,
            { entityType, previousCount, seenCount, minimumShare: settings.minimumFullReadShare, reason },
            absent,
          );
          heldPlanIds.push(planId);
          this.metrics.plansHeld.inc({ tenant, entity: entityType });
          this.logger.warn(`held ${absent.length} ${entityType} deletions of ${tenant} as plan ${planId}: ${reason}`);
          continue;
        }
        const deleted = await this.repository.deleteEntities(tenant, entityType, absent, 'reconcile');
        counts[entityType]!.deleted += deleted;
        if (deleted > 0) this.metrics.eventsWritten.inc({ tenant, entity: entityType, verb: 'deleted' }, deleted);
      }
      const outcome = heldPlanIds.length > 0 ? 'held' : 'succeeded';
      await this.repository.finishRun(runId, { outcome, complete: true, attempts, counts });
      this.metrics.syncRuns.inc({ tenant, kind: 'full', outcome });
      return { runId, outcome, counts, heldPlanIds };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.repository.finishRun(runId, { outcome: 'failed', complete: false, attempts: 1, counts, error: message });
      this.metrics.syncRuns.inc({ tenant, kind: 'full', outcome: 'failed' });
      return { runId, outcome: 'failed', counts, heldPlanIds: [], error: message };
    } finally {
      this.metrics.syncDuration.observe({ tenant, kind: 'full' }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** One attempt: every page of every entity type, each id marked with a fresh per-attempt marker. */
  private async readEverything(tenant: string, entityTypes: readonly EntityType[], counts: Record<string, EntityCounts>): Promise<CompleteRead> {
    const source = this.sources.forTenant(tenant);
    const seenMarker = randomUUID();
    const seen = new Map<EntityType, number>();
    const newest = new Map<EntityType, Date>();
    for (const entityType of entityTypes) {
      const ids = new Set<string>();
      const entityCounts = counts[entityType]!;
      for await (const page of prefetchPages(source.readPages(entityType))) {
        const applied = await this.repository.applyPage(tenant, entityType, page, { cause: 'reconcile', seenMarker });
        for (const record of page.records) ids.add(record.id);
        for (const rejection of page.rejected) if (rejection.registerId) ids.add(rejection.registerId);
        entityCounts.read += page.records.length;
        entityCounts.upserted += applied.upserted;
        entityCounts.unchanged += applied.unchanged;
        entityCounts.rejected += applied.rejected;
        if (applied.upserted > 0) this.metrics.eventsWritten.inc({ tenant, entity: entityType, verb: 'upserted' }, applied.upserted);
        for (const code of applied.rejectionCodes) this.metrics.recordsRejected.inc({ tenant, entity: entityType, code });
        const current = newest.get(entityType);
        if (applied.maxModified && (!current || applied.maxModified > current)) newest.set(entityType, applied.maxModified);
      }
      seen.set(entityType, ids.size);
      entityCounts.seen = ids.size;
    }
    return { seenMarker, seen, newest };
  }
}
