import { readFileSync } from 'node:fs';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { LdapDirectory } from '@skolkonto/directory';
import { connectPrismaClient, PrismaClient, OutboxPublishing } from '@skolkonto/persistence';
import { HealthRegistry, PlatformModule, type TenantConfig } from '@skolkonto/platform';
import { ADMIN_TOKEN, AdminTokenGuard } from './approve-plan/admin-token.guard';
import { ApprovePlanController } from './approve-plan/approve-plan.controller';
import { ApprovePlanHandler } from './approve-plan/approve-plan.handler';
import { ApprovePlanService } from './approve-plan/approve-plan.service';
import type { ProvisionerConfig } from './config';
import { DeleteExpiredAccountsService } from './delete-expired-accounts/delete-expired-accounts.service';
import { EnsureLayoutService } from './directory-layout/ensure-layout.service';
import { PrepareLayoutsService } from './directory-layout/prepare-layouts.service';
import { TenantLayouts } from './directory-layout/tenant-layouts';
import { IdentityEventBatcher } from './provision-account/identity-event-batcher';
import { ProvisionAccountHandler } from './provision-account/provision-account.handler';
import { ProvisionAccountService } from './provision-account/provision-account.service';
import { ReconcileDirectoryService } from './reconcile-directory/reconcile-directory.service';
import { PendingMembersScheduler } from './provision-account/pending-members-scheduler.service';
import { ReconcileSchedulerService } from './reconcile-directory/reconcile-scheduler.service';
import { OperationExecutor } from './shared/operation-executor';
import { FederationAttributeWriter } from './write-federation-attributes/federation-attribute-writer';
import { WriteFederationAttributesHandler } from './write-federation-attributes/write-federation-attributes.handler';
import { PlanRunner } from './shared/plan-runner';

// Closed after Nest has drained the JetStream consumers (in-flight batches finish first), not in
// onModuleDestroy, which runs before the drain.
class ResourceLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(LdapDirectory) private readonly directory: LdapDirectory,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.directory.close();
    await this.prisma.$disconnect();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: ProvisionerConfig, tenants: TenantConfig[], env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [ApprovePlanController, ApprovePlanHandler, ProvisionAccountHandler, WriteFederationAttributesHandler],
      providers: [
        { provide: ADMIN_TOKEN, useValue: config.PROVISIONER_ADMIN_TOKEN },
        AdminTokenGuard,
        {
          provide: PrismaClient,
          useFactory: (health: HealthRegistry) => connectPrismaClient(config.DATABASE_URL, (check) => health.register('postgresql', check)),
          inject: [HealthRegistry],
        },
        {
          provide: LdapDirectory,
          useFactory: (health: HealthRegistry) => {
            const directory = new LdapDirectory({
              url: config.LDAP_URL,
              ca: readFileSync(config.LDAP_CA_FILE),
              bindDn: config.LDAP_BIND_DN,
              bindPassword: config.LDAP_BIND_PASSWORD,
              poolSize: config.AD_POOL_SIZE,
            });
            health.register('active-directory', async () => {
              await directory.findEntry(config.LDAP_BASE_DN, ['1.1']);
            });
            return directory;
          },
          inject: [HealthRegistry],
        },
        ResourceLifecycle,
        { provide: TenantLayouts, useFactory: () => new TenantLayouts(tenants, config.AD_ACCOUNTS_BASE_DN ?? config.LDAP_BASE_DN, config.AD_ROOT_OU) },
        { provide: EnsureLayoutService, useFactory: (d: LdapDirectory) => new EnsureLayoutService(d), inject: [LdapDirectory] },
        {
          provide: PrepareLayoutsService,
          useFactory: (l: TenantLayouts, e: EnsureLayoutService) => new PrepareLayoutsService(l, e),
          inject: [TenantLayouts, EnsureLayoutService],
        },
        {
          provide: OperationExecutor,
          useFactory: (p: PrismaClient, d: LdapDirectory, l: EnsureLayoutService) =>
            new OperationExecutor(p, d, l, {
              domainDn: config.LDAP_BASE_DN,
              mustChangePassword: config.PROVISIONER_MUST_CHANGE_PASSWORD,
              concurrency: config.PROVISIONER_CONCURRENCY,
              initialPassword: config.PROVISIONER_INITIAL_PASSWORD,
              groupMembershipDelayMs: config.PROVISIONER_GROUP_MEMBERSHIP_DELAY_SECONDS * 1000,
            }),
          inject: [PrismaClient, LdapDirectory, EnsureLayoutService],
        },
        {
          provide: PlanRunner,
          useFactory: (p: PrismaClient, e: OperationExecutor) =>
            new PlanRunner(p, e, { dryRun: config.PROVISIONER_DRY_RUN, percentRuleMinAccounts: config.PROVISIONER_PERCENT_RULE_MIN_ACCOUNTS }),
          inject: [PrismaClient, OperationExecutor],
        },
        {
          provide: ProvisionAccountService,
          useFactory: (p: PrismaClient, d: LdapDirectory, r: PlanRunner, e: OperationExecutor) =>
            new ProvisionAccountService(p, d, r, undefined, (layout, identityIds) => e.writePendingMembers(layout, { identityIds })),
          inject: [PrismaClient, LdapDirectory, PlanRunner, OperationExecutor],
        },
        {
          provide: IdentityEventBatcher,
          useFactory: (s: ProvisionAccountService, e: OperationExecutor) => {
            const batcher = new IdentityEventBatcher(s, config.PROVISIONER_BATCH_SIZE, config.PROVISIONER_BATCH_LINGER_MS, config.PROVISIONER_PARALLEL_BATCHES);
            // New accounts' memberships wait while their tenant has batches queued (see the executor).
            e.backlogOf = (tenant) => batcher.backlog(tenant);
            return batcher;
          },
          inject: [ProvisionAccountService, OperationExecutor],
        },
        {
          provide: PendingMembersScheduler,
          useFactory: (p: PrismaClient, l: TenantLayouts, e: OperationExecutor) => new PendingMembersScheduler(p, l, e),
          inject: [PrismaClient, TenantLayouts, OperationExecutor],
        },
        {
          provide: FederationAttributeWriter,
          useFactory: (p: PrismaClient, d: LdapDirectory) => new FederationAttributeWriter(p, d, undefined, config.AD_POOL_SIZE),
          inject: [PrismaClient, LdapDirectory],
        },
        {
          provide: ApprovePlanService,
          useFactory: (p: PrismaClient, e: OperationExecutor, l: TenantLayouts) => new ApprovePlanService(p, e, (t) => l.get(t)),
          inject: [PrismaClient, OperationExecutor, TenantLayouts],
        },
        {
          provide: ReconcileDirectoryService,
          useFactory: (p: PrismaClient, d: LdapDirectory, e: OperationExecutor) => new ReconcileDirectoryService(p, d, e),
          inject: [PrismaClient, LdapDirectory, OperationExecutor],
        },
        {
          provide: DeleteExpiredAccountsService,
          useFactory: (p: PrismaClient, r: PlanRunner) => new DeleteExpiredAccountsService(p, r),
          inject: [PrismaClient, PlanRunner],
        },
        {
          provide: ReconcileSchedulerService,
          useFactory: (l: TenantLayouts, r: ReconcileDirectoryService, x: DeleteExpiredAccountsService) =>
            new ReconcileSchedulerService(l, r, x, config.PROVISIONER_DRIFT_POLICY, config.PROVISIONER_RECONCILE_INTERVAL_SECONDS),
          inject: [TenantLayouts, ReconcileDirectoryService, DeleteExpiredAccountsService],
        },
        {
          provide: OutboxPublishing,
          useFactory: async (health: HealthRegistry) => {
            const publishing = await OutboxPublishing.connect({ app: 'ad-provisioner', table: 'provisioner_outbox', config, env });
            health.register('nats', async () => {
              if (!publishing.isConnected()) throw new Error('NATS connection closed');
            });
            return publishing;
          },
          inject: [HealthRegistry],
        },
      ],
    };
  }
}
