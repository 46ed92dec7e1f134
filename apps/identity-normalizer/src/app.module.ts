import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { systemClock, type Clock } from '@skolkonto/domain';
import { OutboxPublishing } from '@skolkonto/persistence';
import { HealthRegistry, metricsRegistry, PlatformModule, type TenantConfig } from '@skolkonto/platform';
import type { IdentityNormalizerConfig } from './config';
import { NormalizeIdentityHandler } from './normalize-identity/normalize-identity.handler';
import { NormalizeIdentityService } from './normalize-identity/normalize-identity.service';
import { NormalizerDatabase } from './normalize-identity/normalizer-database';
import { NormalizerMetrics } from './normalize-identity/normalizer-metrics';
import { RegisterEventBatcher } from './normalize-identity/register-event-batcher';
import { toTenantPolicies } from './normalize-identity/tenant-policy';
import { ResolveReviewHandler } from './resolve-review/resolve-review.handler';
import { ResolveReviewService } from './resolve-review/resolve-review.service';
import { SweepLifecycleScheduler } from './sweep-lifecycle/sweep-lifecycle.scheduler';

export const CLOCK = Symbol('CLOCK');

/**
 * Closes the pool last: the JetStream consumers drain their in-flight handlers when Nest disposes the
 * app, after beforeApplicationShutdown (the sweep) and before onApplicationShutdown. In onModuleDestroy,
 * which runs first, a batch still being written failed on an ended pool.
 */
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NormalizerDatabase) private readonly database: NormalizerDatabase) {}
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

/** register.* and review-decision consumers, the lifecycle sweep and the outbox relay, plus /health and /metrics. */
@Module({})
export class AppModule {
  static forRoot(config: IdentityNormalizerConfig, tenants: TenantConfig[], options: { clock?: Clock; outbox?: boolean; sweep?: boolean } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [NormalizeIdentityHandler, ResolveReviewHandler],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: NormalizerDatabase,
          useFactory: (health: HealthRegistry) => {
            const database = new NormalizerDatabase(config.DATABASE_URL, { poolSize: config.NORMALIZER_DB_POOL });
            health.register('postgresql', () => database.ping());
            return database;
          },
          inject: [HealthRegistry],
        },
        DatabaseLifecycle,
        { provide: NormalizerMetrics, useFactory: () => new NormalizerMetrics(metricsRegistry) },
        {
          provide: NormalizeIdentityService,
          useFactory: (database: NormalizerDatabase, clock: Clock, metrics: NormalizerMetrics) => new NormalizeIdentityService(database, clock, toTenantPolicies(tenants), metrics),
          inject: [NormalizerDatabase, CLOCK, NormalizerMetrics],
        },
        {
          provide: ResolveReviewService,
          useFactory: (service: NormalizeIdentityService, metrics: NormalizerMetrics) => new ResolveReviewService(service, metrics),
          inject: [NormalizeIdentityService, NormalizerMetrics],
        },
        {
          provide: RegisterEventBatcher,
          useFactory: (service: NormalizeIdentityService) => new RegisterEventBatcher(service, config.NORMALIZER_BATCH_SIZE, config.NORMALIZER_BATCH_LINGER_MS),
          inject: [NormalizeIdentityService],
        },
        ...(options.sweep === false
          ? []
          : [
              {
                provide: SweepLifecycleScheduler,
                useFactory: (service: NormalizeIdentityService) => new SweepLifecycleScheduler(service, config.LIFECYCLE_SWEEP_INTERVAL_MS),
                inject: [NormalizeIdentityService],
              },
            ]),
        ...(options.outbox === false
          ? []
          : [
              {
                provide: OutboxPublishing,
                useFactory: async (health: HealthRegistry) => {
                  const publishing = await OutboxPublishing.connect({ app: 'identity-normalizer', table: 'normalizer_outbox', config });
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
