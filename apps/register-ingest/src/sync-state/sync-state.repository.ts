// register-ingest's tables: watermarks, source snapshots, sync runs, held plans, and its outbox. Every
// snapshot change is committed together with the outbox rows of the events it implies.
import { randomUUID } from 'node:crypto';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { EntityType, RegisterPage } from '../register-source/register-source';
import { hashContent } from './content-hash';
import {
  DeletionDetectedBy,
  HeldPlanSummary,
  OutboxEvent,
  toDeletedEvent,
  toPlanHeldEvent,
  toRecordRejectedEvent,
  toSyncCompletedEvent,
  toUpsertedEvent,
  UpsertCause,
} from './register-events';

type Tx = Prisma.TransactionClient;

/** A page of 1000 records is one transaction; Prisma's 5 s default is too short under load. */
const TX_OPTIONS = { maxWait: 30_000, timeout: 120_000 };

/** The table the outbox relay publishes and the channel it LISTENs on (libs/persistence outbox). */
export const OUTBOX_TABLE = 'ingest_outbox';
export const OUTBOX_CHANNEL = `${OUTBOX_TABLE}_rows`;

export type SyncKind = 'delta' | 'full';
export type SyncTrigger = 'schedule' | 'webhook' | 'manual' | 'startup' | 'bench';
export type SyncOutcome = 'running' | 'succeeded' | 'failed' | 'held';

export interface EntityCounts {
  read: number;
  upserted: number;
  unchanged: number;
  rejected: number;
  deleted: number;
  seen: number;
}

export function emptyCounts(): EntityCounts {
  return { read: 0, upserted: 0, unchanged: 0, rejected: 0, deleted: 0, seen: 0 };
}

export interface ApplyPageOptions {
  cause: UpsertCause;
  /** Set during a full read: every id on the page is marked as seen by this attempt. */
  seenMarker?: string;
  now?: Date;
}

export interface ApplyPageResult {
  upserted: number;
  unchanged: number;
  /** Rejections observed (each counted, published once per distinct bad version). */
  rejected: number;
  rejectionCodes: string[];
  /** Newest meta.modified on the page (server clock). */
  maxModified?: Date;
}

/** A page compared with the snapshots, ready to write (SyncStateRepository.preparePage). */
export interface PreparedPage {
  readonly tenant: string;
  readonly entityType: EntityType;
  readonly now: Date;
  readonly seenMarker: string | null;
  /** Every id on the page, valid or rejected. */
  readonly registerIds: ReadonlySet<string>;
  readonly changed: readonly { id: string; hash: string; modified: string | null }[];
  readonly newRejections: readonly { id: string; hash: string }[];
  readonly seenIds: readonly string[];
  readonly outboxRows?: readonly OutboxRow[];
  readonly result: ApplyPageResult;
}

export interface HeldPlanRow {
  id: string;
  tenant: string;
  entityType: EntityType;
  status: string;
  registerIds: string[];
  createdAt: Date;
}

export class PlanNotHeldError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'ALREADY_DECIDED', message: string) {
    super(message);
  }
}

function parseModified(record: { meta?: { modified?: string } }): Date | undefined {
  const value = record.meta?.modified;
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export class SyncStateRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async readWatermarks(tenant: string): Promise<Map<EntityType, Date>> {
    const rows = await this.prisma.ingestWatermark.findMany({ where: { tenant } });
    return new Map(rows.map((row) => [row.entityType as EntityType, row.modifiedAt]));
  }

  /** Watermarks only move forward: an older server value never rewinds them. */
  async advanceWatermark(tenant: string, entityType: EntityType, modifiedAt: Date): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO ingest_watermarks (tenant, entity_type, modified_at, updated_at)
      VALUES (${tenant}, ${entityType}, ${modifiedAt}, now())
      ON CONFLICT (tenant, entity_type) DO UPDATE
        SET modified_at = GREATEST(ingest_watermarks.modified_at, EXCLUDED.modified_at), updated_at = now()`;
  }

  async startRun(tenant: string, kind: SyncKind, trigger: SyncTrigger): Promise<string> {
    const id = randomUUID();
    await this.prisma.ingestSyncRun.create({ data: { id, tenant, kind, trigger } });
    return id;
  }

  /**
   * Records how a run ended. A successful run is announced (register.<tenant>.sync.completed) in the
   * same transaction, so its outbox row follows every row the run wrote and is published after them;
   * a failed or held run is only recorded.
   */
  async finishRun(
    id: string,
    result: { outcome: SyncOutcome; complete: boolean; attempts: number; counts: Record<string, EntityCounts>; error?: string },
  ): Promise<void> {
    const finishedAt = new Date();
    const data = {
      finishedAt,
      outcome: result.outcome,
      complete: result.complete,
      attempts: result.attempts,
      counts: result.counts as unknown as Prisma.InputJsonValue,
      error: result.error ?? null,
    };
    if (result.outcome !== 'succeeded' || !result.complete) {
      await this.prisma.ingestSyncRun.update({ where: { id }, data });
      return;
    }
    await this.prisma.$transaction(async (tx) => {
      const run = await tx.ingestSyncRun.update({ where: { id }, data });
      const changes = Object.values(result.counts).reduce((sum, counts) => sum + counts.upserted + counts.deleted, 0);
      await this.writeOutbox(tx, [
        toSyncCompletedEvent(run.tenant, { runId: id, kind: run.kind as SyncKind, startedAt: run.startedAt, completedAt: finishedAt, changes }),
      ]);
    }, TX_OPTIONS);
  }

  async hasCompleteFullRun(tenant: string): Promise<boolean> {
    const run = await this.prisma.ingestSyncRun.findFirst({ where: { tenant, kind: 'full', complete: true }, select: { id: true } });
    return run !== null;
  }

  /**
   * Compares one page with the snapshots, then in one transaction: upserts changed snapshots, marks
   * everything seen (full read), and writes the outbox rows for changes and new rejections.
   */
  async applyPage(tenant: string, entityType: EntityType, page: RegisterPage, options: ApplyPageOptions): Promise<ApplyPageResult> {
    return this.commitPage(await this.preparePage(tenant, entityType, page, options));
  }

  /**
   * The read-only half of applyPage: compares the page with the snapshots as committed now and builds
   * what commitPage writes. A full read prepares the next page while the previous one commits; the
   * prepared page is only valid if no page touching the same ids commits in between (`registerIds`).
   */
  async preparePage(tenant: string, entityType: EntityType, page: RegisterPage, options: ApplyPageOptions): Promise<PreparedPage> {
    const now = options.now ?? new Date();
    const ids = new Set<string>();
    for (const record of page.records) ids.add(record.id);
    for (const rejection of page.rejected) if (rejection.registerId) ids.add(rejection.registerId);
    const existing = new Map<string, { contentHash: string | null; deleted: boolean; rejectionHash: string | null }>();
    if (ids.size > 0) {
      const rows = await this.prisma.$queryRaw<{ register_id: string; content_hash: string | null; deleted: boolean; rejection_hash: string | null }[]>`
        SELECT register_id, content_hash, deleted, rejection_hash FROM ingest_source_snapshots
        WHERE tenant = ${tenant} AND entity_type = ${entityType} AND register_id = ANY(${[...ids]}::text[])`;
      for (const row of rows) {
        existing.set(row.register_id, { contentHash: row.content_hash, deleted: row.deleted, rejectionHash: row.rejection_hash });
      }
    }

    const changed = new Map<string, { hash: string; modified: Date | null; event: OutboxEvent }>();
    let maxModified: Date | undefined;
    let unchanged = 0;
    for (const record of page.records) {
      const modified = parseModified(record);
      if (modified && (!maxModified || modified > maxModified)) maxModified = modified;
      const hash = hashContent(record);
      const before = existing.get(record.id);
      if (before && before.contentHash === hash && !before.deleted) {
        unchanged += 1;
        continue;
      }
      changed.set(record.id, { hash, modified: modified ?? null, event: toUpsertedEvent(tenant, entityType, record, hash, options.cause, now) });
      existing.set(record.id, { contentHash: hash, deleted: false, rejectionHash: null });
    }

    const newRejections = new Map<string, string>();
    const rejectionEvents: OutboxEvent[] = [];
    for (const rejection of page.rejected) {
      const rejectionHash = hashContent({ code: rejection.code, reason: rejection.reason, raw: rejection.raw ?? null });
      if (rejection.registerId) {
        if (existing.get(rejection.registerId)?.rejectionHash === rejectionHash) continue;
        newRejections.set(rejection.registerId, rejectionHash);
      }
      const event = toRecordRejectedEvent(tenant, entityType, rejection, now);
      if (event) rejectionEvents.push(event);
    }

    const seenIds = options.seenMarker ? [...ids].filter((id) => !changed.has(id)) : [];
    const events = [...[...changed.values()].map((change) => change.event), ...rejectionEvents];
    return {
      tenant,
      entityType,
      now,
      seenMarker: options.seenMarker ?? null,
      registerIds: ids,
      changed: [...changed].map(([id, change]) => ({ id, hash: change.hash, modified: change.modified?.toISOString() ?? null })),
      newRejections: [...newRejections].map(([id, hash]) => ({ id, hash })),
      seenIds,
      outboxRows: events.length > 0 ? toOutboxRows(events) : undefined,
      result: {
        upserted: changed.size,
        unchanged,
        rejected: page.rejected.length,
        rejectionCodes: page.rejected.map((r) => r.code),
        maxModified,
      },
    };
  }

  /** The writing half of applyPage: one transaction, nothing when the page changed nothing. */
  async commitPage(prepared: PreparedPage): Promise<ApplyPageResult> {
    const { tenant, entityType, now, seenMarker, changed, newRejections, seenIds, outboxRows } = prepared;
    if (changed.length === 0 && !outboxRows && seenIds.length === 0) return prepared.result;
    await this.prisma.$transaction(async (tx) => {
      if (changed.length > 0) {
        const changedIds = changed.map((change) => change.id);
        const hashes = changed.map((change) => change.hash);
        const modifieds = changed.map((change) => change.modified);
        await tx.$executeRaw`
          INSERT INTO ingest_source_snapshots (tenant, entity_type, register_id, content_hash, modified_at, deleted, deleted_at,
                                               rejection_hash, last_seen_run_id, last_seen_full_at, updated_at)
          SELECT ${tenant}, ${entityType}, u.id, u.hash, u.modified, false, NULL, NULL, ${seenMarker}::uuid,
                 CASE WHEN ${seenMarker}::uuid IS NULL THEN NULL ELSE ${now}::timestamptz END, now()
          FROM unnest(${changedIds}::text[], ${hashes}::text[], ${modifieds}::timestamptz[]) AS u(id, hash, modified)
          ON CONFLICT (tenant, entity_type, register_id) DO UPDATE
            SET content_hash = EXCLUDED.content_hash, modified_at = EXCLUDED.modified_at, deleted = false,
                deleted_at = NULL, rejection_hash = NULL, updated_at = now(),
                last_seen_run_id = COALESCE(EXCLUDED.last_seen_run_id, ingest_source_snapshots.last_seen_run_id),
                last_seen_full_at = COALESCE(EXCLUDED.last_seen_full_at, ingest_source_snapshots.last_seen_full_at)`;
      }
      if (newRejections.length > 0) {
        const rejectedIds = newRejections.map((rejection) => rejection.id);
        const rejectionHashes = newRejections.map((rejection) => rejection.hash);
        await tx.$executeRaw`
          INSERT INTO ingest_source_snapshots (tenant, entity_type, register_id, rejection_hash, updated_at)
          SELECT ${tenant}, ${entityType}, u.id, u.hash, now()
          FROM unnest(${rejectedIds}::text[], ${rejectionHashes}::text[]) AS u(id, hash)
          ON CONFLICT (tenant, entity_type, register_id) DO UPDATE SET rejection_hash = EXCLUDED.rejection_hash, updated_at = now()`;
      }
      if (seenIds.length > 0) {
        await tx.$executeRaw`
          INSERT INTO ingest_source_snapshots (tenant, entity_type, register_id, last_seen_run_id, last_seen_full_at)
          SELECT ${tenant}, ${entityType}, u.id, ${seenMarker}::uuid, ${now}
          FROM unnest(${seenIds}::text[]) AS u(id)
          ON CONFLICT (tenant, entity_type, register_id) DO UPDATE
            SET last_seen_run_id = EXCLUDED.last_seen_run_id, last_seen_full_at = EXCLUDED.last_seen_full_at`;
      }
      if (outboxRows) await this.insertOutboxRows(tx, outboxRows);
    }, TX_OPTIONS);
    return prepared.result;
  }

  /** Entities we believe exist (published and not deleted). */
  async countLive(tenant: string, entityType: EntityType): Promise<number> {
    return this.prisma.ingestSourceSnapshot.count({ where: { tenant, entityType, deleted: false, contentHash: { not: null } } });
  }

  /** Live entities a complete full read (marked with `seenMarker`) did not contain. */
  async findAbsent(tenant: string, entityType: EntityType, seenMarker: string): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ register_id: string }[]>`
      SELECT register_id FROM ingest_source_snapshots
      WHERE tenant = ${tenant} AND entity_type = ${entityType} AND deleted = false AND content_hash IS NOT NULL
        AND last_seen_run_id IS DISTINCT FROM ${seenMarker}::uuid
      ORDER BY register_id`;
    return rows.map((row) => row.register_id);
  }

  /**
   * Marks live entities deleted and writes one deleted event each, in one transaction. Ids that are
   * unknown or already deleted emit nothing, so repeated deletion reports are harmless.
   * `unchangedSince` limits it to snapshots not touched after that time (an approved plan).
   */
  async deleteEntities(
    tenant: string,
    entityType: EntityType,
    registerIds: string[],
    detectedBy: DeletionDetectedBy,
    options: { tx?: Tx; unchangedSince?: Date; now?: Date } = {},
  ): Promise<number> {
    if (registerIds.length === 0) return 0;
    const now = options.now ?? new Date();
    const work = async (tx: Tx) => {
      const since = options.unchangedSince ?? null;
      const rows = await tx.$queryRaw<{ register_id: string }[]>`
        UPDATE ingest_source_snapshots SET deleted = true, deleted_at = ${now}, updated_at = ${now}
        WHERE tenant = ${tenant} AND entity_type = ${entityType} AND register_id = ANY(${registerIds}::text[])
          AND deleted = false AND content_hash IS NOT NULL
          AND (${since}::timestamptz IS NULL OR (updated_at <= ${since}::timestamptz
               AND (last_seen_full_at IS NULL OR last_seen_full_at <= ${since}::timestamptz)))
        RETURNING register_id`;
      await this.writeOutbox(
        tx,
        rows.map((row) => toDeletedEvent(tenant, entityType, row.register_id, detectedBy, now)),
      );
      return rows.length;
    };
    return options.tx ? work(options.tx) : this.prisma.$transaction(work, TX_OPTIONS);
  }

  /** Stores the deletions a suspicious full read implied and announces ops.<tenant>.plan.held. */
  async holdPlan(
    tenant: string,
    runId: string,
    plan: Omit<HeldPlanSummary, 'planId'>,
    registerIds: string[],
  ): Promise<string> {
    const planId = randomUUID();
    const now = new Date();
    await this.prisma.$transaction(async (tx) => {
      await tx.ingestHeldPlan.create({
        data: {
          id: planId,
          tenant,
          entityType: plan.entityType,
          runId,
          reason: plan.reason,
          previousCount: plan.previousCount,
          seenCount: plan.seenCount,
          registerIds,
          createdAt: now,
        },
      });
      await this.writeOutbox(tx, [toPlanHeldEvent(tenant, { ...plan, planId }, registerIds, now)]);
    }, TX_OPTIONS);
    return planId;
  }

  async findPlan(tenant: string, planId: string): Promise<HeldPlanRow | null> {
    const row = await this.prisma.ingestHeldPlan.findFirst({ where: { id: planId, tenant } });
    return row && { ...row, entityType: row.entityType as EntityType };
  }

  async listPlans(tenant: string): Promise<HeldPlanRow[]> {
    const rows = await this.prisma.ingestHeldPlan.findMany({ where: { tenant }, orderBy: { createdAt: 'desc' } });
    return rows.map((row) => ({ ...row, entityType: row.entityType as EntityType }));
  }

  /**
   * Emits a held plan's deletions exactly once: the status flips from held to approved in the same
   * transaction as the deleted events. Entities that reappeared since the plan was made are kept.
   */
  async approvePlan(tenant: string, planId: string, approvedBy: string): Promise<{ deleted: number }> {
    return this.prisma.$transaction(async (tx) => {
      const claimed = await tx.ingestHeldPlan.updateMany({
        where: { id: planId, tenant, status: 'held' },
        data: { status: 'approved', decidedAt: new Date(), decidedBy: approvedBy },
      });
      if (claimed.count === 0) {
        const exists = await tx.ingestHeldPlan.findFirst({ where: { id: planId, tenant }, select: { status: true } });
        throw exists
          ? new PlanNotHeldError('ALREADY_DECIDED', `plan ${planId} is already ${exists.status}`)
          : new PlanNotHeldError('NOT_FOUND', `no plan ${planId} for tenant ${tenant}`);
      }
      const plan = await tx.ingestHeldPlan.findUniqueOrThrow({ where: { id: planId } });
      const deleted = await this.deleteEntities(tenant, plan.entityType as EntityType, plan.registerIds, 'reconcile', {
        tx,
        unchangedSince: plan.createdAt,
      });
      return { deleted };
    }, TX_OPTIONS);
  }

  private async writeOutbox(tx: Tx, events: OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.insertOutboxRows(tx, toOutboxRows(events));
  }

  private async insertOutboxRows(tx: Tx, rows: readonly OutboxRow[]): Promise<void> {
    // One INSERT from one JSON parameter (Prisma sends an object parameter as one json value). Prisma's
    // createMany with JSON columns takes seconds per 1000 rows, and a jsonb[] parameter (or a JSON
    // string) is escaped element by element into one literal: Prisma and pg together spent more CPU
    // on that than on everything else a page costs. Rows are inserted in array order, so outbox ids
    // (the publish order) follow the order of the events.
    await tx.$executeRaw`
      INSERT INTO ingest_outbox (event_id, subject, payload, headers)
      SELECT r.event_id, r.subject, r.payload, r.headers
      FROM ROWS FROM (json_to_recordset(${{ rows }}::json -> 'rows') AS (event_id uuid, subject text, payload jsonb, headers jsonb))
           WITH ORDINALITY AS r(event_id, subject, payload, headers, position)
      ORDER BY r.position
      ON CONFLICT (event_id) DO NOTHING`;
    // Delivered at commit: wakes the outbox relay at once instead of at its next poll.
    await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
  }
}

interface OutboxRow {
  event_id: string;
  subject: string;
  payload: object;
  headers: Record<string, string>;
}

function toOutboxRows(events: readonly OutboxEvent[]): OutboxRow[] {
  return events.map((event) => ({ event_id: event.eventId, subject: event.subject, payload: event.payload, headers: event.headers }));
}
