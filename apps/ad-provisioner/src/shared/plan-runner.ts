// Every batch of operations passes here: dry-run publishes the plan only, a batch over the
// tenant's thresholds is stored and announced as ops.plan.held, anything else is applied now.
import { randomUUID } from 'node:crypto';
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
  | { status: 'dry-run'; planId: string; operations: PlannedOperation[] }
  | { status: 'held'; planId: string; operations: PlannedOperation[]; breaches: Breach[] }
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

  async submit(layout: TenantLayout, operations: PlannedOperation[], reason: string): Promise<PlanOutcome> {
    if (operations.length === 0) return { status: 'noop' };
    const numbered = operations.map((op, index) => ({ ...op, index }));
    if (this.options.dryRun || layout.tenant.dryRun) {
      const planId = await this.storePlan(layout, numbered, 'dry-run', `dry run: ${reason}`, []);
      return { status: 'dry-run', planId, operations: numbered };
    }
    const breaches = await this.thresholdBreaches(layout, numbered);
    if (breaches.length > 0) {
      const planId = await this.storePlan(layout, numbered, 'held', `over the change threshold: ${reason}`, breaches);
      return { status: 'held', planId, operations: numbered, breaches };
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
  ): Promise<string> {
    const planId = randomUUID();
    await this.prisma.$transaction(async (tx) => {
      await tx.provisioningPlan.create({
        data: {
          id: planId,
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
    return planId;
  }
}
