// Writes new accounts' waiting group memberships (OperationExecutor.writePendingMembers) when the
// batches do not: a tenant whose queue ran dry, one whose memberships have waited the longest
// allowed, and whatever waited when the process stopped.
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PrismaClient } from '@skolkonto/persistence';
import { TenantLayouts } from '../directory-layout/tenant-layouts';
import type { OperationExecutor } from '../shared/operation-executor';

export class PendingMembersScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingMembersScheduler.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly layouts: Pick<TenantLayouts, 'find'>,
    private readonly executor: Pick<OperationExecutor, 'writePendingMembers' | 'backlogOf' | 'groupMembershipDelayMs'>,
    private readonly intervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  onApplicationBootstrap(): void {
    // Once at boot in any case: memberships that waited when the process stopped (or before the
    // delay was set to 0) are written now.
    void this.runOnce();
    if (this.executor.groupMembershipDelayMs > 0) this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Per tenant with waiting memberships: all of them are written when it has no batch queued or
   * running, or when the oldest has waited the delay. The next sweep of a busy tenant is then about
   * a delay later (its oldest is younger), so each carries a delay's worth of members, not a trickle.
   */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const waiting = await this.prisma.$queryRaw<Array<{ tenant: string; oldest: Date; members: bigint }>>`
        SELECT tenant, min(created_at) AS oldest, count(*) AS members FROM pending_group_members GROUP BY tenant`;
      for (const { tenant, oldest, members } of waiting) {
        const layout = this.layouts.find(tenant);
        if (!layout) continue; // a tenant no longer configured: its rows wait for it to come back
        const idle = this.executor.backlogOf(tenant) === 0;
        if (!idle && this.now() - oldest.getTime() < this.executor.groupMembershipDelayMs) continue;
        try {
          const written = await this.executor.writePendingMembers(layout, 'all');
          this.logger.log({ tenant, members: written, waiting: Number(members), reason: idle ? 'idle' : 'delay', msg: 'waiting group memberships written' });
        } catch (error) {
          this.logger.warn({ tenant, error: error instanceof Error ? error.message : String(error), msg: 'waiting group memberships not written yet' });
        }
      }
    } catch (error) {
      this.logger.warn({ error: error instanceof Error ? error.message : String(error), msg: 'waiting group memberships could not be read' });
    } finally {
      this.running = false;
    }
  }
}
