import { DynamicModule, Inject, Module, OnModuleDestroy } from '@nestjs/common';
import { HealthRegistry, PlatformModule, type TenantConfig } from '@skolkonto/platform';
import { createPrismaClient, PrismaClient } from '@skolkonto/persistence';
import { currentSchoolYearStart, type SimulatorConfig } from './config';
import { ADMIN_TOKEN, AdminController } from './mutate-register/admin.controller';
import { MutateRegisterService } from './mutate-register/mutate-register.service';
import { SubscriptionsController } from './notify-subscribers/subscriptions.controller';
import { SubscriptionsService } from './notify-subscribers/subscriptions.service';
import { RegisterRepository } from './register-store/register.repository';
import { RegisterStore } from './register-store/register-store.service';
import { catalogueFor } from './seed-register/school-catalogue';
import { FaultRegistry } from './serve-register/fault-registry';
import { RegisterApiController, TokenController } from './serve-register/register-api.controller';
import { TenantAuth, type TenantCredential } from './serve-register/tenant-auth';

/** Persons per tenant from SIM_PERSONS: a total split by municipality size, or an explicit list. */
export function personsPerTenant(spec: string, tenants: TenantConfig[]): Record<string, number> {
  if (/^\d+$/.test(spec)) {
    const total = Number(spec);
    const weights = tenants.map((t) => catalogueFor(t.municipalityCode, t.id).weight);
    const sum = weights.reduce((a, b) => a + b, 0) || 1;
    return Object.fromEntries(
      tenants.map((t, i) => [t.id, Math.max(1, Math.round((total * weights[i]) / sum))]),
    );
  }
  const out: Record<string, number> = {};
  for (const part of spec.split(',')) {
    const [tenant, n] = part.split('=');
    out[tenant] = Number(n);
  }
  for (const tenant of Object.keys(out)) {
    if (!tenants.some((t) => t.id === tenant))
      throw new Error(`SIM_PERSONS names ${tenant}, which is not in the tenants file`);
  }
  return out;
}

/** Each tenant's credentials; a missing secret stops the boot naming the variable. */
export function tenantCredentials(
  tenants: TenantConfig[],
  env: Record<string, string | undefined>,
): Map<string, TenantCredential> {
  const out = new Map<string, TenantCredential>();
  for (const tenant of tenants) {
    const auth = tenant.register.auth;
    const secret = () => {
      const value = auth.secretEnv ? env[auth.secretEnv] : undefined;
      if (!value)
        throw new Error(
          `tenants[${tenant.id}].register.auth.secretEnv: environment variable ${auth.secretEnv ?? '(unset)'} is empty`,
        );
      return value;
    };
    switch (auth.type) {
      case 'none':
        out.set(tenant.id, { type: 'none' });
        break;
      case 'bearer':
        out.set(tenant.id, { type: 'bearer', token: secret() });
        break;
      case 'apiKey':
        out.set(tenant.id, { type: 'apiKey', header: auth.headerName ?? 'x-api-key', key: secret() });
        break;
      case 'oauth2':
        out.set(tenant.id, { type: 'oauth2', clientId: auth.clientId ?? tenant.id, clientSecret: secret() });
        break;
    }
  }
  return out;
}

class PrismaLifecycle implements OnModuleDestroy {
  constructor(
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(SubscriptionsService) private readonly subscriptions: SubscriptionsService,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.subscriptions.settled();
    await this.prisma.$disconnect();
  }
}

@Module({})
export class AppModule {
  static forRoot(
    config: SimulatorConfig,
    tenants: TenantConfig[],
    env: Record<string, string | undefined> = process.env,
  ): DynamicModule {
    const credentials = tenantCredentials(tenants, env);
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, tenants)],
      controllers: [RegisterApiController, TokenController, SubscriptionsController, AdminController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: config.SIM_ADMIN_TOKEN },
        { provide: TenantAuth, useValue: new TenantAuth(credentials) },
        { provide: FaultRegistry, useValue: new FaultRegistry() },
        { provide: PrismaClient, useFactory: () => createPrismaClient(config.DATABASE_URL) },
        PrismaLifecycle,
        {
          provide: RegisterRepository,
          useFactory: (prisma: PrismaClient, health: HealthRegistry) => {
            const repository = new RegisterRepository(prisma);
            health.register('postgresql', () => repository.ping());
            return repository;
          },
          inject: [PrismaClient, HealthRegistry],
        },
        {
          provide: RegisterStore,
          useFactory: async (repository: RegisterRepository) => {
            const store = new RegisterStore(
              repository,
              tenants.map((t) => ({ id: t.id, name: t.name, municipalityCode: t.municipalityCode })),
              {
                seed: config.SIM_SEED,
                persons: personsPerTenant(config.SIM_PERSONS, tenants),
                schoolYearStart: config.SIM_SCHOOL_YEAR_START ?? currentSchoolYearStart(),
              },
            );
            await store.init({ reseed: config.SIM_RESEED_ON_BOOT });
            return store;
          },
          inject: [RegisterRepository],
        },
        {
          provide: SubscriptionsService,
          useFactory: (repository: RegisterRepository, store: RegisterStore) =>
            new SubscriptionsService(repository, store, {
              ttlMs: config.SIM_SUBSCRIPTION_TTL_HOURS * 3_600_000,
              timeoutMs: config.SIM_WEBHOOK_TIMEOUT_MS,
              retries: config.SIM_WEBHOOK_RETRIES,
            }),
          inject: [RegisterRepository, RegisterStore],
        },
        {
          provide: MutateRegisterService,
          useFactory: (store: RegisterStore) => new MutateRegisterService(store),
          inject: [RegisterStore],
        },
      ],
    };
  }
}
