// Operators ask for a full reconciliation (or a delta pull) of one tenant now, e.g. after fixing the
// register. `?wait=true` answers with the run's result; otherwise the run is queued and 202 returned.
import { Controller, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../schedule-sync/admin-token.guard';
import { SyncSchedulerService } from '../schedule-sync/sync-scheduler.service';
import { IngestSettings } from '../sync-state/ingest-settings';

@Controller('tenants/:tenant')
@UseGuards(AdminTokenGuard)
export class ReconcileRegisterController {
  constructor(
    private readonly scheduler: SyncSchedulerService,
    private readonly settings: IngestSettings,
  ) {}

  @Post('reconcile')
  @HttpCode(202)
  async reconcile(@Param('tenant') tenant: string, @Query('wait') wait?: string) {
    this.assertTenant(tenant);
    const run = this.scheduler.requestFull(tenant, 'manual');
    if (wait === 'true') return run;
    run.catch(() => undefined);
    return { queued: true };
  }

  @Post('pull')
  @HttpCode(202)
  async pull(@Param('tenant') tenant: string, @Query('wait') wait?: string) {
    this.assertTenant(tenant);
    const run = this.scheduler.requestDelta(tenant, 'manual');
    if (wait === 'true') return run;
    run.catch(() => undefined);
    return { queued: true };
  }

  private assertTenant(tenant: string): void {
    if (!this.settings.has(tenant)) throw new NotFoundException(`no tenant ${tenant}`);
  }
}
