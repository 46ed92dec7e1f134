// Accounts disabled longer than the tenant's retention period are deleted. Deletes go through the
// same plan and thresholds as everything else; the names stay reserved for ever.
import type { PrismaClient } from '@skolkonto/persistence';
import { TenantLayout } from '../directory-layout/tenant-layout';
import type { PlannedOperation } from '../shared/planned-operation';
import { PlanOutcome, PlanRunner } from '../shared/plan-runner';

export class DeleteExpiredAccountsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly runner: PlanRunner,
  ) {}

  async deleteExpired(layout: TenantLayout, now = new Date()): Promise<PlanOutcome> {
    const cutoff = new Date(now.getTime() - layout.tenant.lifecycle.retentionDays * 86_400_000);
    const expired = await this.prisma.accountLink.findMany({
      where: { tenant: layout.id, deletedAt: null, enabled: false, disabledAt: { lte: cutoff } },
      orderBy: { disabledAt: 'asc' },
    });
    const operations: PlannedOperation[] = expired.map((link, index) => ({
      index,
      action: 'delete',
      identityId: link.identityId,
      identityVersion: link.identityVersion,
      accountId: link.objectGuid,
      target: link.dn,
      before: { sAMAccountName: link.sAMAccountName, enabled: false, disabledAt: link.disabledAt?.toISOString() },
      after: null,
      reason: `disabled for more than ${layout.tenant.lifecycle.retentionDays} days`,
    }));
    return this.runner.submit(layout, operations, `${operations.length} account(s) past retention`);
  }
}
