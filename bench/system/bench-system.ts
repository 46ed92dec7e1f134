// The whole system for one bench run, as `npm start` runs it but isolated: the repository's four
// tenants and release policies (ids suffixed per run, since AD group names are domain-wide), a fresh
// database, a unique NATS namespace, a fresh OU, and every app as its own built process (started by
// the e2e suite's launcher) with its log under test-artifacts/bench/<run>/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  createTestDatabase,
  createTestOu,
  testEnv,
  type TestDatabase,
  type TestOu,
} from '@skolkonto/testing';
import { REPO_ROOT } from '../../tests/boot/app-process';
import { freePort, startService, type ServiceProcess } from '../../tests/e2e/support/service-process';
import { simulatorAdmin } from '../../tests/e2e/support/simulator-admin';

/** Started before ingest so every consumer is attached when the first register event arrives. */
export const CONSUMER_APPS = [
  'identity-normalizer',
  'ad-provisioner',
  'federation-publisher',
  'ops-console',
] as const;
export const PIPELINE_APPS = ['register-ingest', ...CONSUMER_APPS] as const;
export type PipelineApp = (typeof PIPELINE_APPS)[number];

interface TenantEntry {
  id: string;
  municipalityCode: string;
  register: { baseUrl: string; auth?: { secretEnv?: string }; webhookSecretEnv?: string };
  directory: { ouName: string };
}

export interface BenchTenant {
  /** This run's id (`lidkoping-<suffix>`). */
  id: string;
  /** The repository's id (`lidkoping`). */
  key: string;
  ouName: string;
}

export interface BenchSystem {
  readonly runId: string;
  readonly runDir: string;
  readonly namespace: string;
  readonly tenants: BenchTenant[];
  readonly env: Record<string, string>;
  readonly ou: TestOu;
  readonly database: TestDatabase;
  readonly simulator: ServiceProcess;
  readonly apps: Partial<Record<PipelineApp, ServiceProcess>>;
  /** Every started process, the simulator first. */
  processes(): ServiceProcess[];
  startPipeline(apps: readonly PipelineApp[]): Promise<void>;
  /** Calls the simulator's admin API; throws on a non-2xx answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stops every process (SIGTERM, then SIGKILL). */
  stopAll(): Promise<void>;
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

/** Names of the environment variables a config file says hold secrets (`*Env` keys). */
function secretEnvNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => secretEnvNames(item, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (/Env$/.test(key) && typeof value === 'string') out.add(value);
      else secretEnvNames(value, out);
    }
  }
  return out;
}

export async function startBenchSystem(options: {
  persons: number;
  seed: number;
  /** ad-provisioner's LDAP connections and concurrency (the ceiling uses the same). */
  connections: number;
}): Promise<BenchSystem> {
  const stack = testEnv();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const runDir = join(REPO_ROOT, 'test-artifacts/bench', runId);
  mkdirSync(runDir, { recursive: true });
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  const suffix = randomBytes(3).toString('hex');
  const [simPort, ingestPort, attributeApiPort] = [await freePort(), await freePort(), await freePort()];
  const simulatorUrl = `http://127.0.0.1:${simPort}`;

  const tenantsDoc = parse(readFileSync(join(REPO_ROOT, 'config/tenants.yaml'), 'utf8')) as {
    tenants: TenantEntry[];
  };
  const policiesDoc = parse(readFileSync(join(REPO_ROOT, 'config/release-policies.yaml'), 'utf8')) as {
    tenants: Array<{ tenant: string }>;
    idpClients?: Array<{ tenants: string[] }>;
  };
  const idOf = (key: string) => `${key}-${suffix}`;
  const tenants: BenchTenant[] = tenantsDoc.tenants.map((t) => ({
    id: idOf(t.id),
    key: t.id,
    ouName: t.directory.ouName,
  }));
  for (const t of tenantsDoc.tenants) {
    t.register.baseUrl = `${simulatorUrl}/tenants/${idOf(t.id)}/v2.1`;
    t.id = idOf(t.id);
  }
  for (const p of policiesDoc.tenants) p.tenant = idOf(p.tenant);
  for (const client of policiesDoc.idpClients ?? []) client.tenants = client.tenants.map(idOf);
  const tenantsFile = join(runDir, 'tenants.yaml');
  const policiesFile = join(runDir, 'release-policies.yaml');
  // The yaml library writes the policies' anchors back as anchors, so the file stays equivalent.
  writeFileSync(tenantsFile, stringify(tenantsDoc));
  writeFileSync(policiesFile, stringify(policiesDoc));

  const database = await createTestDatabase({ prefix: 'bench' });
  const ou = await createTestOu('bench-system');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    // Not 'production': that demands a TLS pair for the attribute API, which the bench does not call.
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    DATABASE_URL: database.url,
    NATS_URL: stack.nats.url,
    NATS_NAMESPACE: namespace,
    TENANTS_FILE: tenantsFile,
    RELEASE_POLICIES_FILE: policiesFile,
    SIM_PERSONS: String(options.persons),
    SIM_SEED: String(options.seed),
    SIM_RESEED_ON_BOOT: 'true',
    INGEST_PUBLIC_URL: `http://127.0.0.1:${ingestPort}`,
    ATTRIBUTE_API_PORT: String(attributeApiPort),
    COOKIE_SECURE: 'false',
    AD_POOL_SIZE: String(options.connections),
    PROVISIONER_CONCURRENCY: String(options.connections),
    LDAP_URL: stack.ldap.url,
    LDAP_CA_FILE: stack.ldap.caFile,
    LDAP_BIND_DN: stack.ldap.bindDn,
    LDAP_BIND_PASSWORD: stack.ldap.bindPassword,
    LDAP_BASE_DN: stack.ldap.baseDn,
    AD_REALM: stack.ldap.realm,
    // LDAP_BASE_DN stays the domain (name collisions are searched domain-wide); the tenant OUs land
    // under the run's OU and go with it.
    AD_ACCOUNTS_BASE_DN: ou.dn,
    // The apps' own tuning knobs (PROVISIONER_PARALLEL_BATCHES=3 npm run bench …) reach them as set.
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(PROVISIONER|NORMALIZER|FEDERATION|INGEST|OUTBOX)_/.test(e[0]) && e[1] !== undefined)),
  };
  for (const name of [
    ...secretEnvNames(tenantsDoc),
    ...secretEnvNames(policiesDoc),
    'SIMULATOR_ADMIN_TOKEN',
    'PROVISIONER_API_TOKEN',
    'PROVISIONER_ADMIN_TOKEN',
    'INGEST_ADMIN_TOKEN',
    'INGEST_API_TOKEN',
    'CONSOLE_SESSION_SECRET',
  ]) {
    env[name] = secret();
  }
  env.SIM_ADMIN_TOKEN = env.SIMULATOR_ADMIN_TOKEN!;
  const callSimulator = simulatorAdmin(simulatorUrl, env.SIMULATOR_ADMIN_TOKEN!);

  const logFile = (app: string) => join(runDir, `${app}.log`);
  const simulator = await startService('register-simulator', env, {
    logFile: logFile('register-simulator'),
    port: simPort,
    timeoutMs: 300_000,
  });
  const apps: Partial<Record<PipelineApp, ServiceProcess>> = {};

  return {
    runId,
    runDir,
    namespace,
    tenants,
    env,
    ou,
    database,
    simulator,
    apps,
    processes: () => [simulator, ...PIPELINE_APPS.flatMap((app) => (apps[app] ? [apps[app]] : []))],
    async startPipeline(names) {
      await Promise.all(
        names.map(async (app) => {
          apps[app] = await startService(app, env, {
            logFile: logFile(app),
            port: app === 'register-ingest' ? ingestPort : 0,
            timeoutMs: 180_000,
          });
        }),
      );
    },
    admin: <T>(method: string, path: string, body?: unknown) => callSimulator<T>(method, path, body),
    async stopAll() {
      await Promise.allSettled(Object.values(apps).map((app) => app.stop()));
      await simulator.stop();
    },
  };
}
