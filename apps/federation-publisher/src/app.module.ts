import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PlatformModule, HealthRegistry, type TenantConfig } from '@skolkonto/platform';
import { connectPrismaClient, PrismaClient, OutboxPublishing } from '@skolkonto/persistence';
import type { FederationPublisherConfig } from './config';
import { IdentifierRegistryRepository } from './identifier-registry/identifier-registry.repository';
import { PublishAttributesHandler } from './publish-attributes/publish-attributes.handler';
import { PublishAttributesService } from './publish-attributes/publish-attributes.service';
import { RecordAccountService } from './record-account/record-account.service';
import { RecordCivicNumberService } from './record-account/record-civic-number.service';
import type { ReleaseSettings } from './release-settings/release-settings';

/**
 * Disconnects last: the JetStream consumers drain their in-flight handlers when Nest disposes the app,
 * before onApplicationShutdown (in onModuleDestroy, which runs first, a handler lost its transaction).
 */
class PrismaLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PrismaClient) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

/**
 * The event side of federation-publisher (consumers of identity.*, directory.*, sensitive.*, and the
 * outbox relay) plus /health and /metrics. The IdP-facing HTTPS API is AttributeApiModule, served on
 * its own port by main.ts.
 */
@Module({})
export class AppModule {
  static forRoot(
    config: FederationPublisherConfig,
    tenants: TenantConfig[],
    settings: ReleaseSettings,
    options: { outbox?: boolean } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [PublishAttributesHandler],
      providers: [
        {
          provide: PrismaClient,
          useFactory: (health: HealthRegistry) => connectPrismaClient(config.DATABASE_URL, (check) => health.register('postgresql', check)),
          inject: [HealthRegistry],
        },
        PrismaLifecycle,
        { provide: IdentifierRegistryRepository, useValue: new IdentifierRegistryRepository() },
        {
          provide: PublishAttributesService,
          useFactory: (prisma: PrismaClient, registry: IdentifierRegistryRepository) => new PublishAttributesService(prisma, registry, settings),
          inject: [PrismaClient, IdentifierRegistryRepository],
        },
        { provide: RecordAccountService, useFactory: (prisma: PrismaClient) => new RecordAccountService(prisma), inject: [PrismaClient] },
        { provide: RecordCivicNumberService, useFactory: (prisma: PrismaClient) => new RecordCivicNumberService(prisma), inject: [PrismaClient] },
        ...(options.outbox === false
          ? []
          : [
              {
                provide: OutboxPublishing,
                useFactory: async (health: HealthRegistry) => {
                  const publishing = await OutboxPublishing.connect({ app: 'federation-publisher', table: 'federation_outbox', config });
                  health.register('nats', async () => {
                    if (!publishing.isConnected()) throw new Error('NATS connection closed');
                  });
                  return publishing;
                },
                inject: [HealthRegistry],
              },
            ]),
      ],
    };
  }
}
