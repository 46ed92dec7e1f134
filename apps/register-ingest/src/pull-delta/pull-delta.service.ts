// Delta pull: asks the register for what changed since the watermark (minus an overlap) per entity
// type, publishes only records whose content hash changed, then applies /deletedEntities. Runs on a
// schedule and whenever a webhook hints that something changed.
import { Logger } from '@nestjs/common';
import { EntityType, prefetchPages, RegisterSourceFactory } from '../register-source/register-source';
import { IngestMetrics } from '../sync-state/ingest-metrics';
import { IngestSettings } from '../sync-state/ingest-settings';
import { emptyCounts, EntityCounts, SyncStateRepository, SyncTrigger } from '../sync-state/sync-state.repository';
import type { SyncScope } from '../schedule-sync/sync-coordinator';

export interface SyncRunResult {
  runId: string;
  outcome: 'succeeded' | 'failed' | 'held';
  counts: Record<string, EntityCounts>;
  heldPlanIds: string[];
  error?: string;
}

export class PullDeltaService {
  private readonly logger = new Logger(PullDeltaService.name);

  constructor(
    private readonly repository: SyncStateRepository,
    private readonly sources: RegisterSourceFactory,
    private readonly settings: IngestSettings,
    private readonly metrics: IngestMetrics,
  ) {}

  /** `scope` (from a webhook) limits the pull to the entity types it named; the schedule reads everything. */
  async pull(tenant: string, trigger: SyncTrigger, scope?: SyncScope): Promise<SyncRunResult> {
    const settings = this.settings.forTenant(tenant);
    const entityTypes = scope ? settings.entityTypes.filter((entityType) => scope.entityTypes.includes(entityType)) : settings.entityTypes;
    const source = this.sources.forTenant(tenant);
    const started = process.hrtime.bigint();
    const runId = await this.repository.startRun(tenant, 'delta', trigger);
    const counts: Record<string, EntityCounts> = {};
    const cause = trigger === 'webhook' ? 'webhook' : 'delta';
    try {
      const watermarks = await this.repository.readWatermarks(tenant);
      for (const entityType of entityTypes) {
        const entityCounts = (counts[entityType] = emptyCounts());
        const watermark = watermarks.get(entityType);
        const modifiedAfter = watermark ? new Date(watermark.getTime() - settings.overlapMs) : undefined;
        let newest: Date | undefined;
        for await (const page of prefetchPages(source.readPages(entityType, { modifiedAfter }))) {
          const applied = await this.repository.applyPage(tenant, entityType, page, { cause });
          entityCounts.read += page.records.length;
          entityCounts.upserted += applied.upserted;
          entityCounts.unchanged += applied.unchanged;
          entityCounts.rejected += applied.rejected;
          this.countPage(tenant, entityType, applied.upserted, applied.rejectionCodes);
          if (applied.maxModified && (!newest || applied.maxModified > newest)) newest = applied.maxModified;
        }
        if (newest) await this.repository.advanceWatermark(tenant, entityType, newest);
      }
      if (!scope || scope.deletions) await this.applyDeletions(tenant, settings.entityTypes, watermarks, settings.overlapMs, counts);
      await this.repository.finishRun(runId, { outcome: 'succeeded', complete: true, attempts: 1, counts });
      this.metrics.syncRuns.inc({ tenant, kind: 'delta', outcome: 'succeeded' });
      return { runId, outcome: 'succeeded', counts, heldPlanIds: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.repository.finishRun(runId, { outcome: 'failed', complete: false, attempts: 1, counts, error: message });
      this.metrics.syncRuns.inc({ tenant, kind: 'delta', outcome: 'failed' });
      this.logger.warn(`delta pull of ${tenant} failed: ${message}`);
      return { runId, outcome: 'failed', counts, heldPlanIds: [], error: message };
    } finally {
      this.metrics.syncDuration.observe({ tenant, kind: 'delta' }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * Deletions are asked for from the newest watermark as it was BEFORE this pull (minus the overlap):
   * anything deleted after the previous pull read /deletedEntities is at or after that server time.
   * Repeated reports are harmless: an already deleted or unknown id emits nothing.
   */
  private async applyDeletions(
    tenant: string,
    entityTypes: readonly EntityType[],
    watermarksBefore: Map<EntityType, Date>,
    overlapMs: number,
    counts: Record<string, EntityCounts>,
  ): Promise<void> {
    const known = [...watermarksBefore.values()].map((date) => date.getTime());
    if (known.length === 0) return;
    const after = new Date(Math.max(...known) - overlapMs);
    const deleted = await this.sources.forTenant(tenant).readDeleted(after, entityTypes);
    for (const entityType of entityTypes) {
      const ids = deleted[entityType] ?? [];
      if (ids.length === 0) continue;
      const emitted = await this.repository.deleteEntities(tenant, entityType, ids, 'deletedEntities');
      (counts[entityType] ??= emptyCounts()).deleted += emitted;
      if (emitted > 0) this.metrics.eventsWritten.inc({ tenant, entity: entityType, verb: 'deleted' }, emitted);
    }
  }

  private countPage(tenant: string, entityType: EntityType, upserted: number, rejectionCodes: string[]): void {
    if (upserted > 0) this.metrics.eventsWritten.inc({ tenant, entity: entityType, verb: 'upserted' }, upserted);
    for (const code of rejectionCodes) this.metrics.recordsRejected.inc({ tenant, entity: entityType, code });
  }
}
