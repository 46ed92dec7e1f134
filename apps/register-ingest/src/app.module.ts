import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { HealthRegistry, PlatformModule, metricsRegistry, type TenantConfig } from '@skolkonto/platform';
import { namespacedStream } from '@skolkonto/messaging';
import { createPrismaClient, OutboxPublishing, PrismaClient } from '@skolkonto/persistence';
import { WebhookSubscriptionsService } from './subscribe-webhooks/webhook-subscriptions.service';
import { ApprovePlanController } from './approve-plan/approve-plan.controller';
import { ApprovePlanHandler } from './approve-plan/approve-plan.handler';
import type { IngestConfig } from './config';
import { PullDeltaService } from './pull-delta/pull-delta.service';
import { ReconcileRegisterController } from './reconcile-register/reconcile-register.controller';
import { ReconcileRegisterService } from './reconcile-register/reconcile-register.service';
import { PipelineBacklogGate, pipelineBacklog } from './reconcile-register/pipeline-backlog';
import { ReceiveWebhookController } from './receive-webhook/receive-webhook.controller';
import { WebhookSecrets } from './receive-webhook/webhook-secrets';
import { RegisterSourceFactory } from './register-source/register-source';
import { Ss12000RegisterSourceFactory } from './register-source/ss12000-register-source';
import { ADMIN_TOKEN, AdminTokenGuard } from './schedule-sync/admin-token.guard';
import { SyncSchedulerService } from './schedule-sync/sync-scheduler.service';
import { IngestMetrics } from './sync-state/ingest-metrics';
import { DEFAULT_SYNC_SETTINGS, IngestSettings } from './sync-state/ingest-settings';
import { OUTBOX_TABLE, SyncStateRepository } from './sync-state/sync-state.repository';

export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

/** Builds the per-tenant sync settings from the tenants file (register.*) and this app's env. */
export function toIngestSettings(config: IngestConfig, tenants: TenantConfig[]): IngestSettings {
  return new IngestSettings(
    tenants.map((tenant) => ({
      ...DEFAULT_SYNC_SETTINGS,
      tenant: tenant.id,
      deltaIntervalMs: tenant.register.deltaIntervalSeconds * 1000,
      fullReconcileAt: tenant.register.fullReconcileAt,
      minimumFullReadShare: tenant.register.minFullReadShare,
      overlapMs: config.INGEST_OVERLAP_SECONDS * 1000,
      fullReadAttempts: config.INGEST_FULL_READ_ATTEMPTS,
      fullReadRetryDelayMs: config.INGEST_FULL_READ_RETRY_SECONDS * 1000,
    })),
  );
}

/** The streams whose events a register change causes before the directory is written. */
const PACED_BY_STREAMS = ['REGISTER', 'IDENTITY', 'FEDERATION'] as const;

/** Full reads wait for the pipeline to work off what they caused (see pipeline-backlog.ts). */
export function pipelineGate(config: IngestConfig, publishing: OutboxPublishing): PipelineBacklogGate {
  const streams = PACED_BY_STREAMS.map((stream) => namespacedStream(stream, config.NATS_NAMESPACE));
  const logger = new Logger('PipelineBacklogGate');
  return new PipelineBacklogGate(pipelineBacklog(() => publishing.backlog(), publishing.jetStreamManager, streams), {
    maxBacklog: config.INGEST_FULL_READ_MAX_BACKLOG,
    stallMs: config.INGEST_FULL_READ_STALL_SECONDS * 1000,
    pollMs: 250,
    onUnmeasurable: (error) =>
      logger.warn(`cannot measure the pipeline's backlog (${error instanceof Error ? error.message : String(error)}): full reads go on without waiting`),
  });
}

/** Disconnects last: the scheduler lets a running sync finish first (beforeApplicationShutdown). */
class PrismaLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PrismaClient) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

export interface IngestModuleOverrides {
  /** Point ingest at another register source (tests use the simulator through the real client). */
  sources?: RegisterSourceFactory;
  env?: Record<string, string | undefined>;
}

@Module({})
export class AppModule {
  static forRoot(config: IngestConfig, tenants: TenantConfig[], overrides: IngestModuleOverrides = {}): DynamicModule {
    const env = overrides.env ?? process.env;
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [ReceiveWebhookController, ReconcileRegisterController, ApprovePlanController, ApprovePlanHandler],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.INGEST_API_TOKEN },
        AdminTokenGuard,
        { provide: PrismaClient, useFactory: () => createPrismaClient(config.DATABASE_URL) },
        PrismaLifecycle,
        { provide: IngestSettings, useFactory: () => toIngestSettings(config, tenants) },
        { provide: IngestMetrics, useFactory: () => new IngestMetrics(metricsRegistry) },
        { provide: WebhookSecrets, useFactory: () => new WebhookSecrets(tenants, env) },
        {
          provide: RegisterSourceFactory,
          useFactory: () =>
            overrides.sources ??
            new Ss12000RegisterSourceFactory(tenants, env, {
              pageSize: config.INGEST_PAGE_SIZE,
              maxPages: config.INGEST_MAX_PAGES,
              retries: config.INGEST_REGISTER_RETRIES,
              backoffBaseMs: config.INGEST_REGISTER_BACKOFF_MS,
              timeoutMs: config.INGEST_REGISTER_TIMEOUT_MS,
            }),
        },
        {
          provide: OutboxPublishing,
          useFactory: async (health: HealthRegistry) => {
            const publishing = await OutboxPublishing.connect({ app: 'register-ingest', table: OUTBOX_TABLE, config, env });
            health.register('nats', async () => {
              if (!publishing.isConnected()) throw new Error('NATS connection closed');
            });
            return publishing;
          },
          inject: [HealthRegistry],
        },
        {
          provide: WebhookSubscriptionsService,
          useFactory: (sources: RegisterSourceFactory, secrets: WebhookSecrets) =>
            new WebhookSubscriptionsService(
              config.INGEST_PUBLIC_URL,
              tenants.map((tenant) => tenant.id),
              (tenant) => {
                if (!(sources instanceof Ss12000RegisterSourceFactory)) throw new Error('webhook subscriptions need the SS 12000 source');
                return sources.clientFor(tenant);
              },
              secrets,
            ),
          inject: [RegisterSourceFactory, WebhookSecrets],
        },
        { provide: SyncStateRepository, useFactory: (prisma: PrismaClient) => new SyncStateRepository(prisma), inject: [PrismaClient] },
        {
          provide: PullDeltaService,
          useFactory: (r: SyncStateRepository, s: RegisterSourceFactory, st: IngestSettings, m: IngestMetrics) => new PullDeltaService(r, s, st, m),
          inject: [SyncStateRepository, RegisterSourceFactory, IngestSettings, IngestMetrics],
        },
        {
          provide: ReconcileRegisterService,
          useFactory: (r: SyncStateRepository, s: RegisterSourceFactory, st: IngestSettings, m: IngestMetrics, publishing: OutboxPublishing) =>
            new ReconcileRegisterService(r, s, st, m, pipelineGate(config, publishing)),
          inject: [SyncStateRepository, RegisterSourceFactory, IngestSettings, IngestMetrics, OutboxPublishing],
        },
        {
          provide: SyncSchedulerService,
          useFactory: (st: IngestSettings, r: SyncStateRepository, p: PullDeltaService, rc: ReconcileRegisterService, health: HealthRegistry, prisma: PrismaClient) => {
            health.register('postgresql', async () => {
              await prisma.$queryRaw`SELECT 1`;
            });
            return new SyncSchedulerService(st, r, p, rc, config.INGEST_SCHEDULE_ENABLED);
          },
          inject: [IngestSettings, SyncStateRepository, PullDeltaService, ReconcileRegisterService, HealthRegistry, PrismaClient],
        },
      ],
    };
  }
}
