// Full reconciliation: reads every page of every entity type. Only a complete read may imply
// deletions (entities we hold that the read did not contain); a failed read is retried and, if it
// never completes, deletes nothing. A read far smaller than before holds its deletions as a plan.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { EntityType, prefetchPages, RegisterPage, RegisterSourceFactory } from '../register-source/register-source';
import { IngestMetrics } from '../sync-state/ingest-metrics';
import { IngestSettings } from '../sync-state/ingest-settings';
import { ApplyPageResult, emptyCounts, EntityCounts, SyncStateRepository, SyncTrigger } from '../sync-state/sync-state.repository';
import type { SyncRunResult } from '../pull-delta/pull-delta.service';
import { PipelineBacklogGate } from './pipeline-backlog';

/**
 * Once a full read has had to wait for the pipeline, it goes on in steps of this many records
 * instead of whole pages, so the pipeline gets a steady flow rather than a burst per page.
 */
export const PACED_STEP = 100;

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
    private readonly gate?: PipelineBacklogGate,
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

  /**
   * One attempt: every page of every entity type, each id marked with a fresh per-attempt marker.
   * Pages are written one transaction after the other, in read order (so the outbox, and what is
   * published, keeps that order); the next page is compared with the snapshots while the previous
   * one commits, which keeps the database busy instead of waiting on this process in between.
   */
  private async readEverything(tenant: string, entityTypes: readonly EntityType[], counts: Record<string, EntityCounts>): Promise<CompleteRead> {
    const source = this.sources.forTenant(tenant);
    const seenMarker = randomUUID();
    const seen = new Map<EntityType, number>();
    const newest = new Map<EntityType, Date>();
    let committing: { registerIds: ReadonlySet<string>; done: Promise<void> } | undefined;
    let paced = false;
    let stallReported = false;
    const gate = this.gate;
    /** Waits for room downstream; returns what to call once the records are committed. */
    const waitForPipeline = async (records: number): Promise<() => void> => {
      if (!gate?.enabled) return () => undefined;
      const wait = await gate.waitForRoom(records);
      if (wait.waitedMs <= 0) return wait.settle;
      this.metrics.pacedSeconds.inc({ tenant }, wait.waitedMs / 1000);
      if (!paced) {
        paced = true;
        this.logger.log(
          `full read of ${tenant} goes on at the pipeline's pace: it waited ${(wait.waitedMs / 1000).toFixed(1)} s for fewer than ${gate.options.maxBacklog} events to be left downstream`,
        );
      }
      if (wait.stalled && !stallReported) {
        stallReported = true;
        this.logger.warn(
          `full read of ${tenant} goes on without waiting: ${wait.backlog} events are left downstream and no consumer has acknowledged anything for ${Math.round(gate.options.stallMs / 1000)} s (is an app down?)`,
        );
      }
      return wait.settle;
    };
    const settle = async () => {
      const previous = committing;
      committing = undefined;
      await previous?.done;
    };
    try {
      for (const entityType of entityTypes) {
        const ids = new Set<string>();
        const entityCounts = counts[entityType]!;
        const account = (applied: ApplyPageResult) => {
          entityCounts.upserted += applied.upserted;
          entityCounts.unchanged += applied.unchanged;
          entityCounts.rejected += applied.rejected;
          if (applied.upserted > 0) this.metrics.eventsWritten.inc({ tenant, entity: entityType, verb: 'upserted' }, applied.upserted);
          for (const code of applied.rejectionCodes) this.metrics.recordsRejected.inc({ tenant, entity: entityType, code });
          const current = newest.get(entityType);
          if (applied.maxModified && (!current || applied.maxModified > current)) newest.set(entityType, applied.maxModified);
        };
        for await (const whole of prefetchPages(source.readPages(entityType))) {
          for (const page of paced ? inSteps(whole, PACED_STEP) : [whole]) {
            const committed = await waitForPipeline(page.records.length);
            try {
              const options = { cause: 'reconcile' as const, seenMarker };
              let prepared = await this.repository.preparePage(tenant, entityType, page, options);
              // Compared before the previous page committed: redo it if that page held one of its ids.
              const overlapping = committing && [...prepared.registerIds].some((id) => committing!.registerIds.has(id));
              await settle();
              if (overlapping) prepared = await this.repository.preparePage(tenant, entityType, page, options);
              const done = this.repository.commitPage(prepared).then(account).finally(committed);
              done.catch(() => undefined); // awaited by settle(); a failure surfaces there
              committing = { registerIds: prepared.registerIds, done };
            } catch (error) {
              committed();
              throw error;
            }
            for (const record of page.records) ids.add(record.id);
            for (const rejection of page.rejected) if (rejection.registerId) ids.add(rejection.registerId);
            entityCounts.read += page.records.length;
          }
        }
        seen.set(entityType, ids.size);
        entityCounts.seen = ids.size;
      }
      await settle();
    } catch (error) {
      // Never leave a transaction running behind a failed read: the retry must start after it.
      await settle().catch(() => undefined);
      throw error;
    }
    return { seenMarker, seen, newest };
  }
}

/** A page as consecutive smaller pages; its rejections go with the first. */
export function inSteps(page: RegisterPage, size: number): RegisterPage[] {
  if (page.records.length <= size) return [page];
  const steps: RegisterPage[] = [];
  for (let i = 0; i < page.records.length; i += size) steps.push({ records: page.records.slice(i, i + size), rejected: i === 0 ? page.rejected : [] });
  return steps;
}
