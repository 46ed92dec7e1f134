// Every batch of operations passes here: dry-run publishes the plan only, a batch over the
// tenant's thresholds is stored and announced as ops.plan.held, anything else is applied now.
import { createHash, randomUUID } from 'node:crypto';
import type { PrismaClient } from '@skolkonto/persistence';
import { TenantLayout } from '../directory-layout/tenant-layout';
import { ExecutionResult, OperationExecutor } from './operation-executor';
import { PlannedOperation, toPlanAction } from './planned-operation';
import { APP_NAME, EVENTS, enqueueProvisionerEvent } from './provisioner-events';

export interface PlanRunnerOptions {
  /** Global dry-run (a tenant can also set `dryRun: true` in tenants.yaml). */
  dryRun: boolean;
  /** The percentage rule only applies once a tenant has at least this many accounts. */
  percentRuleMinAccounts: number;
}

export type PlanOutcome =
  | { status: 'noop' }
  | { status: 'dry-run'; planId: string; operations: PlannedOperation[]; duplicate?: boolean }
  | { status: 'held'; planId: string; operations: PlannedOperation[]; breaches: Breach[]; /** Stored before (a redelivered batch). */ duplicate?: boolean }
  | { status: 'applied'; operations: PlannedOperation[]; result: ExecutionResult };

export interface Breach {
  kind: 'count' | 'percent';
  limit: number;
  actual: number;
}

export class PlanRunner {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly executor: OperationExecutor,
    private readonly options: PlanRunnerOptions,
  ) {}

  /**
   * `idempotencyKey` names the input the plan came from (see planKeyOf): the same input submitted
   * again (a redelivered batch) returns the plan stored the first time instead of a second one.
   */
  async submit(layout: TenantLayout, operations: PlannedOperation[], reason: string, idempotencyKey?: string): Promise<PlanOutcome> {
    if (operations.length === 0) return { status: 'noop' };
    const numbered = operations.map((op, index) => ({ ...op, index }));
    if (this.options.dryRun || layout.tenant.dryRun) {
      const { planId, duplicate } = await this.storePlan(layout, numbered, 'dry-run', `dry run: ${reason}`, [], idempotencyKey);
      return { status: 'dry-run', planId, operations: numbered, ...(duplicate ? { duplicate } : {}) };
    }
    const breaches = await this.thresholdBreaches(layout, numbered);
    if (breaches.length > 0) {
      const { planId, duplicate } = await this.storePlan(layout, numbered, 'held', `over the change threshold: ${reason}`, breaches, idempotencyKey);
      return { status: 'held', planId, operations: numbered, breaches, ...(duplicate ? { duplicate } : {}) };
    }
    const result = await this.executor.execute(layout, numbered.map((op) => ({ ...op, freshlyPlanned: true })));
    return { status: 'applied', operations: numbered, result };
  }

  async thresholdBreaches(layout: TenantLayout, operations: PlannedOperation[]): Promise<Breach[]> {
    const { maxDisablesOrDeletes, maxPercent } = layout.tenant.thresholds;
    const destructive = operations.filter((op) => op.action === 'disable' || op.action === 'delete').length;
    const breaches: Breach[] = [];
    if (destructive > maxDisablesOrDeletes) breaches.push({ kind: 'count', limit: maxDisablesOrDeletes, actual: destructive });
    const accounts = await this.prisma.accountLink.count({ where: { tenant: layout.id, deletedAt: null } });
    if (accounts >= this.options.percentRuleMinAccounts && accounts > 0) {
      const percent = (destructive * 100) / accounts;
      if (percent > maxPercent) breaches.push({ kind: 'percent', limit: Math.round(maxPercent), actual: Math.ceil(percent) });
    }
    return breaches;
  }

  private async storePlan(
    layout: TenantLayout,
    operations: PlannedOperation[],
    status: 'held' | 'dry-run',
    reason: string,
    breaches: Breach[],
    idempotencyKey?: string,
  ): Promise<{ planId: string; duplicate: boolean }> {
    if (idempotencyKey) {
      const stored = await this.findByKey(layout, idempotencyKey);
      if (stored) return { planId: stored, duplicate: true };
    }
    const planId = randomUUID();
    try {
      await this.insertPlan(layout, planId, operations, status, reason, breaches, idempotencyKey);
    } catch (error) {
      // Two replicas handled the same batch at once: the unique key let only one plan in.
      const stored = idempotencyKey && isUniqueViolation(error) ? await this.findByKey(layout, idempotencyKey) : null;
      if (!stored) throw error;
      return { planId: stored, duplicate: true };
    }
    return { planId, duplicate: false };
  }

  private async findByKey(layout: TenantLayout, idempotencyKey: string): Promise<string | null> {
    const stored = await this.prisma.provisioningPlan.findUnique({ where: { idempotencyKey }, select: { id: true, tenant: true } });
    if (stored && stored.tenant !== layout.id) throw new Error(`plan key ${idempotencyKey} belongs to another tenant`);
    return stored?.id ?? null;
  }

  private async insertPlan(
    layout: TenantLayout,
    planId: string,
    operations: PlannedOperation[],
    status: 'held' | 'dry-run',
    reason: string,
    breaches: Breach[],
    idempotencyKey?: string,
  ): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.provisioningPlan.create({
        data: {
          id: planId,
          idempotencyKey: idempotencyKey ?? null,
          tenant: layout.id,
          status,
          reason,
          operations: JSON.parse(JSON.stringify(operations.map(({ freshlyPlanned: _fresh, ...op }) => op))),
          thresholds: JSON.parse(JSON.stringify(breaches)),
        },
      });
      await enqueueProvisionerEvent(tx, EVENTS.opsPlanHeld, layout.id, {
        planId,
        tenant: layout.id,
        sourceApp: APP_NAME,
        reason,
        thresholds: breaches,
        operations: operations.map((op) => ({
          index: op.index,
          action: toPlanAction(op.action),
          identityId: op.identityId,
          target: op.target,
          before: op.before,
          after: op.after,
        })),
        heldAt: new Date().toISOString(),
      });
    });
  }
}

/**
 * The idempotency key of a batch: its tenant and the sorted ids of the events it was made of (the
 * same events redelivered give the same key); none when an input has no event id.
 */
export function planKeyOf(tenant: string, eventIds: ReadonlyArray<string | undefined>): string | undefined {
  if (eventIds.length === 0 || eventIds.some((id) => !id)) return undefined;
  const ids = [...new Set(eventIds as string[])].sort();
  return `events:${createHash('sha256').update(`${tenant}\u0000${ids.join('\u0000')}`).digest('hex')}`;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
