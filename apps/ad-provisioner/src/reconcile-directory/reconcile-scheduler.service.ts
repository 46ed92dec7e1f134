// Runs drift reconciliation and retention deletes for every tenant on a timer.
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DeleteExpiredAccountsService } from '../delete-expired-accounts/delete-expired-accounts.service';
import { TenantLayouts } from '../directory-layout/tenant-layouts';
import { DriftPolicy, ReconcileDirectoryService } from './reconcile-directory.service';

export class ReconcileSchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileSchedulerService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly layouts: TenantLayouts,
    private readonly reconcile: ReconcileDirectoryService,
    private readonly expired: DeleteExpiredAccountsService,
    private readonly policy: DriftPolicy,
    private readonly intervalSeconds: number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.intervalSeconds > 0) this.timer = setInterval(() => void this.runOnce(), this.intervalSeconds * 1000);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const layout of this.layouts.all()) {
        try {
          const drifts = await this.reconcile.reconcile(layout, this.policy);
          const outcome = await this.expired.deleteExpired(layout);
          this.logger.log(`tenant ${layout.id}: ${drifts.length} drift(s), retention ${outcome.status}`);
        } catch (error) {
          this.logger.error(`tenant ${layout.id}: reconciliation failed: ${(error as Error).message}`);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
