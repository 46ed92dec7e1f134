// Creates every configured tenant's OU tree once the app has booted, so the first identity batch
// of a tenant does not wait for it (a fresh domain takes seconds for the OUs of four tenants).
// Best effort and in the background: when AD is away at boot the first batch creates the tree, as
// before, and retries like any other write.
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EnsureLayoutService } from './ensure-layout.service';
import { TenantLayouts } from './tenant-layouts';

export class PrepareLayoutsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PrepareLayoutsService.name);
  /** Settles when every tenant's layout exists or could not be created (tests wait on it). */
  ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly layouts: TenantLayouts,
    private readonly layoutService: EnsureLayoutService,
  ) {}

  onApplicationBootstrap(): void {
    this.ready = this.prepare();
  }

  private async prepare(): Promise<void> {
    const started = Date.now();
    const tenants = this.layouts.all();
    let failed = 0;
    for (const layout of tenants) {
      try {
        await this.layoutService.ensureLayout(layout);
      } catch (error) {
        failed += 1;
        this.logger.warn(`directory layout of ${layout.id} not created at boot (its first batch will): ${(error as Error).message}`);
      }
    }
    if (failed < tenants.length) this.logger.log(`directory layout ready for ${tenants.length - failed} of ${tenants.length} tenant(s) in ${Date.now() - started} ms`);
  }
}
