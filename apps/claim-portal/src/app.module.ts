import { readFileSync } from 'node:fs';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  type INestApplication,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LdapDirectory } from '@skolkonto/directory';
import { connectPrismaClient, OutboxPublishing, PrismaClient } from '@skolkonto/persistence';
import { HealthRegistry, PlatformModule, type TenantConfig } from '@skolkonto/platform';
import { CodeHasher } from './claim-code/code-hasher';
import { ClaimAccountService } from './claim-account/claim-account.service';
import { ClaimKeys } from './claim-account/claim-keys';
import { ClaimPageController } from './claim-account/claim-page.controller';
import { DomainPasswordPolicyReader } from './claim-account/domain-password-policy';
import { PruneClaimDataService } from './claim-account/prune-claim-data.service';
import type { ClaimPortalConfig } from './config';
import { IssueCodesService } from './issue-codes/issue-codes.service';
import { LearnAccountsHandler } from './learn-accounts/learn-accounts.handler';
import { LearnAccountsService } from './learn-accounts/learn-accounts.service';
import { ManageLockoutsService } from './manage-lockouts/manage-lockouts.service';
import type { Now } from './shared/clock';
import { CLAIM_OPTIONS, type ClaimWebOptions } from './shared/tokens';

/**
 * Closes last: the JetStream consumers drain their in-flight handlers and the HTTP server closes when
 * Nest disposes the app, before onApplicationShutdown (onModuleDestroy runs before both).
 */
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

export interface AppModuleOptions {
  /** Tests run without the relay when they read the outbox table directly. */
  outbox?: boolean;
  /** Tests move time (code expiry). */
  now?: Now;
}

/**
 * claim-portal: the consumers that learn accounts (directory.*, identity.*), the public claim page,
 * the services the admin API (AdminApiModule, its own listener) uses, the outbox relay, and
 * /health + /metrics.
 */
/**
 * The internal admin API is a second Nest app (its own port). It closes with this one, through this
 * app's shutdown hooks, before the consumers drain and the database closes. A signal handler of its
 * own raced with startup: a SIGTERM during the last steps of boot left it listening and the process
 * running.
 */
export class AdminApiLifecycle implements BeforeApplicationShutdown {
  private admin?: INestApplication;
  private shuttingDown = false;

  async attach(admin: INestApplication): Promise<void> {
    if (this.shuttingDown) return admin.close();
    this.admin = admin;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.admin?.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(
    config: ClaimPortalConfig,
    tenants: TenantConfig[],
    options: AppModuleOptions = {},
  ): DynamicModule {
    const web: ClaimWebOptions = {
      secureCookies: config.cookieSecure,
      defaultLanguage: config.CLAIM_DEFAULT_LANGUAGE,
      minPasswordLength: config.CLAIM_MIN_PASSWORD_LENGTH,
    };
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [LearnAccountsHandler, ClaimPageController],
      providers: [
        { provide: CLAIM_OPTIONS, useValue: web },
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
        AdminApiLifecycle,
        { provide: CodeHasher, useValue: new CodeHasher() },
        { provide: ClaimKeys, useValue: new ClaimKeys(config.CLAIM_SESSION_SECRET) },
        {
          provide: DomainPasswordPolicyReader,
          useFactory: (d: LdapDirectory) => new DomainPasswordPolicyReader(d, config.LDAP_BASE_DN),
          inject: [LdapDirectory],
        },
        {
          provide: LearnAccountsService,
          useFactory: (p: PrismaClient) => new LearnAccountsService(p),
          inject: [PrismaClient],
        },
        {
          provide: IssueCodesService,
          useFactory: (p: PrismaClient, h: CodeHasher) =>
            new IssueCodesService(p, h, {
              tenants: tenants.map((t) => t.id),
              defaultValidDays: config.CLAIM_CODE_VALID_DAYS,
              now: options.now,
            }),
          inject: [PrismaClient, CodeHasher],
        },
        {
          provide: PruneClaimDataService,
          useFactory: (p: PrismaClient) =>
            new PruneClaimDataService(p, config.CLAIM_RATE_LIMIT_WINDOW_SECONDS),
          inject: [PrismaClient],
        },
        {
          provide: ManageLockoutsService,
          useFactory: (p: PrismaClient) =>
            new ManageLockoutsService(
              p,
              tenants.map((t) => t.id),
            ),
          inject: [PrismaClient],
        },
        {
          provide: ClaimAccountService,
          useFactory: (
            p: PrismaClient,
            d: LdapDirectory,
            policy: DomainPasswordPolicyReader,
            h: CodeHasher,
            k: ClaimKeys,
          ) =>
            new ClaimAccountService(
              p,
              d,
              policy,
              h,
              k,
              {
                maxFailedAttempts: config.CLAIM_MAX_FAILED_ATTEMPTS,
                perIp: config.CLAIM_RATE_LIMIT_PER_IP,
                perAccount: config.CLAIM_RATE_LIMIT_PER_ACCOUNT,
                windowSeconds: config.CLAIM_RATE_LIMIT_WINDOW_SECONDS,
                ticketMinutes: config.CLAIM_TICKET_MINUTES,
                minPasswordLength: config.CLAIM_MIN_PASSWORD_LENGTH,
              },
              options.now,
            ),
          inject: [PrismaClient, LdapDirectory, DomainPasswordPolicyReader, CodeHasher, ClaimKeys],
        },
        ...(options.outbox === false
          ? []
          : [
              {
                provide: OutboxPublishing,
                useFactory: async (health: HealthRegistry) => {
                  const publishing = await OutboxPublishing.connect({
                    app: 'claim-portal',
                    table: 'claim_outbox',
                    config,
                    batchSize: 200,
                  });
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
