import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@skolkonto/platform';
import { PrismaClient } from '@skolkonto/persistence';
import { JetStreamGateway } from './stream-watch/jetstream-gateway';

/** /health (libs/platform) reports the two things the console cannot work without. */
@Injectable()
export class ConsoleHealthChecks implements OnModuleInit {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly prisma: PrismaClient,
    private readonly gateway: JetStreamGateway,
  ) {}

  onModuleInit(): void {
    this.registry.register('postgresql', async () => {
      await this.prisma.$queryRaw`SELECT 1`;
    });
    this.registry.register('nats', async () => {
      if (!(await this.gateway.ping())) throw new Error('NATS does not answer');
    });
  }
}
