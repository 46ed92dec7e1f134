// An operator approved a held plan (HTTP, ops-console): apply exactly the stored operations, once.
// The status moves held → applying in one conditional update, so a second approval finds nothing.
import type { PrismaClient } from '@skolkonto/persistence';
import { TenantLayout } from '../directory-layout/tenant-layout';
import { ExecutionResult, OperationExecutor } from '../shared/operation-executor';
import type { PlannedOperation } from '../shared/planned-operation';

export class PlanNotPendingError extends Error {
  constructor(readonly planId: string) {
    super(`plan ${planId} is not held (unknown, already approved, rejected or applied)`);
    this.name = 'PlanNotPendingError';
  }
}

export class ApprovePlanService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly executor: OperationExecutor,
    private readonly layoutOf: (tenant: string) => TenantLayout,
  ) {}

  async approve(planId: string, decidedBy: string): Promise<ExecutionResult> {
    const claimed = await this.prisma.provisioningPlan.updateMany({
      where: { id: planId, status: 'held' },
      data: { status: 'applying', decidedAt: new Date(), decidedBy },
    });
    if (claimed.count !== 1) throw new PlanNotPendingError(planId);
    const plan = await this.prisma.provisioningPlan.findUniqueOrThrow({ where: { id: planId } });
    const operations = plan.operations as unknown as PlannedOperation[];
    try {
      const result = await this.executor.execute(this.layoutOf(plan.tenant), operations);
      await this.prisma.provisioningPlan.update({ where: { id: planId }, data: { status: 'applied', appliedAt: new Date() } });
      return result;
    } catch (error) {
      // AD unavailable beyond the retries: the plan stays approved-but-unapplied for another try;
      // the operations are idempotent, so applying them again later changes nothing twice.
      await this.prisma.provisioningPlan.update({ where: { id: planId }, data: { status: 'held' } });
      throw error;
    }
  }

  async reject(planId: string, decidedBy: string): Promise<void> {
    const claimed = await this.prisma.provisioningPlan.updateMany({
      where: { id: planId, status: 'held' },
      data: { status: 'rejected', decidedAt: new Date(), decidedBy },
    });
    if (claimed.count !== 1) throw new PlanNotPendingError(planId);
  }

  async listHeld(tenant?: string) {
    return this.prisma.provisioningPlan.findMany({
      where: { status: 'held', ...(tenant ? { tenant } : {}) },
      orderBy: { createdAt: 'asc' },
      select: { id: true, tenant: true, reason: true, createdAt: true, thresholds: true, operations: true },
    });
  }
}
