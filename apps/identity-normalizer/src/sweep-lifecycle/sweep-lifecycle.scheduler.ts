import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { NormalizeIdentityService } from '../normalize-identity/normalize-identity.service';

/**
 * The clock-driven half of the lifecycle: roles start and end, grace and retention periods run out
 * without any register event. Every interval, identities whose next evaluation day has come are
 * rebuilt (leaving → suspended → deactivated, pending → active) and published if they changed.
 */
export class SweepLifecycleScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SweepLifecycleScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly service: NormalizeIdentityService,
    private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** A sweep in progress finishes (and enqueues its events) before the database and the relay stop. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; overlapping ticks are skipped. */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = (async () => {
      try {
        const { evaluated, published } = await this.service.sweep();
        if (evaluated > 0) this.logger.log({ evaluated, published, msg: 'lifecycle sweep' });
      } catch (error) {
        this.logger.error({ err: error, msg: 'lifecycle sweep failed; retrying at the next interval' });
      } finally {
        this.running = undefined;
      }
    })();
    await this.running;
  }
}
