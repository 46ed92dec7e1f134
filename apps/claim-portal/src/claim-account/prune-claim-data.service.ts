// Rate-limit rows and used or expired tickets are only needed for a short while: pruned every
// ten minutes so the tables stay small (audit rows and codes are kept).
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PrismaClient } from '@skolkonto/persistence';

const EVERY_MS = 10 * 60_000;

export class PruneClaimDataService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PruneClaimDataService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly windowSeconds: number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () =>
        void this.prune().catch((error: unknown) =>
          this.logger.warn({ err: error }, 'pruning claim attempts failed'),
        ),
      EVERY_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async prune(now = new Date()): Promise<{ attempts: number; tickets: number }> {
    const attempts = await this.prisma.claimAttempt.deleteMany({
      where: { at: { lt: new Date(now.getTime() - 2 * this.windowSeconds * 1000) } },
    });
    const tickets = await this.prisma.claimTicket.deleteMany({
      where: { expiresAt: { lt: new Date(now.getTime() - 86_400_000) } },
    });
    return { attempts: attempts.count, tickets: tickets.count };
  }
}
