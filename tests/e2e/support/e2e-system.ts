// The whole system for one e2e test file: a fresh PostgreSQL database, a unique NATS namespace, a
// fresh OU in Samba AD standing in for the domain base, a tenants file pointing at a register
// simulator with a small seed, and every app started as its own process with its log captured
// under test-artifacts/e2e/<run>/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Client, Entry } from 'ldapts';
import type { NatsConnection, JetStreamManager } from 'nats';
import { Client as PgClient } from 'pg';
import {
  createTestDatabase,
  createTestOu,
  ldapConnect,
  loadStackEnv,
  natsConnect,
  type TestDatabase,
  type TestOu,
} from '@skolkonto/testing';
import { toLocalDate } from '@skolkonto/domain';
import { REPO_ROOT } from '../../boot/app-process';
import { freePort, startService, type ServiceProcess } from './service-process';
import { simulatorAdmin } from './simulator-admin';

export const TENANTS = ['lidkoping', 'skara'] as const;
export type E2eTenant = (typeof TENANTS)[number];

export const PIPELINE_APPS = [
  'register-ingest',
  'identity-normalizer',
  'ad-provisioner',
  'federation-publisher',
  'ops-console',
] as const;
export type PipelineApp = (typeof PIPELINE_APPS)[number];

const OU_NAMES: Record<E2eTenant, string> = { lidkoping: 'Lidkoping', skara: 'Skara' };
const MUNICIPALITY: Record<E2eTenant, string> = { lidkoping: '1494', skara: '1495' };

export interface StreamMessage {
  seq: number;
  /** Subject without the namespace. */
  subject: string;
  /** The raw payload as text (for the privacy scan). */
  raw: string;
  event: { id?: string; type?: string; subject?: string; data?: Record<string, unknown> } | undefined;
}

export interface E2eSystem {
  readonly runDir: string;
  readonly namespace: string;
  readonly ou: TestOu;
  readonly database: TestDatabase;
  readonly env: Record<string, string>;
  readonly simulator: ServiceProcess;
  /** The tenant id this run uses for skara/lidkoping (`skara-<suffix>`). */
  tenantId(tenant: E2eTenant): string;
  /** Started apps; a failed start is kept in `startErrors` so only the scenarios needing it fail. */
  readonly apps: Partial<Record<PipelineApp, ServiceProcess>>;
  readonly startErrors: Partial<Record<PipelineApp, Error>>;
  /** The app, or the reason it did not start. */
  app(name: PipelineApp): ServiceProcess;
  /** Starts a stopped or killed app again with the same environment (and port, for the ingest). */
  restart(name: PipelineApp): Promise<ServiceProcess>;
  /** The test clock every app reads through CLOCK_FILE (an ISO instant). */
  clockNow(): Date;
  /** Moves the test clock; the apps see the new instant at their next read. */
  setClock(instant: string): void;
  /** The clock's calendar date plus `offsetDays`, as the register writes dates (YYYY-MM-DD). */
  clockDay(offsetDays?: number): string;
  readonly ldap: Client;
  readonly nats: NatsConnection;
  /** OU=<Tenant>,OU=Skolkonto,<test OU> */
  tenantDn(tenant: E2eTenant): string;
  /** Calls the simulator's admin API (`/tenants/skara/…` means this run's skara); throws on a non-2xx answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Every person document currently in a tenant's register (through its SS 12000 API). */
  registerPersons(tenant: E2eTenant): Promise<Array<Record<string, unknown>>>;
  /** All messages of `<NS>_<STREAM>` (incrementally cached). */
  streamMessages(stream: string): Promise<StreamMessage[]>;
  /** Log files of every process started so far. */
  logFiles(): string[];
  /**
   * What the pipeline did about these register persons, for a failed scenario's message (CI keeps
   * the output of a failed run, not this machine's log files): the register events naming them, their
   * identity versions and directory events, each app's state and its last warnings. Only sequence
   * numbers, subjects, versions, statuses, school unit codes and OUs: no names, no civic numbers.
   */
  diagnosis(personIds: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

function tenantsYaml(simulatorUrl: string, ids: Record<E2eTenant, string>): string {
  const lines = ['tenants:'];
  for (const tenant of TENANTS) {
    const upper = tenant.toUpperCase();
    lines.push(
      `  - id: ${ids[tenant]}`,
      `    name: ${tenant === 'skara' ? 'Skara kommun' : 'Lidköpings kommun'}`,
      `    municipalityCode: "${MUNICIPALITY[tenant]}"`,
      `    register:`,
      `      baseUrl: ${simulatorUrl}/tenants/${ids[tenant]}/v2.1`,
      `      auth: { type: bearer, secretEnv: REGISTER_TOKEN_${upper} }`,
      `      webhookSecretEnv: WEBHOOK_SECRET_${upper}`,
      `      deltaIntervalSeconds: 10`,
      `    directory: { ouName: ${OU_NAMES[tenant]}, upnSuffix: skola.${tenant}.se }`,
      `    federation: { scope: ${tenant}.se }`,
      `    thresholds: { maxDisablesOrDeletes: 50, maxPercent: 50 }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The repository's release policies narrowed to the e2e tenants. */
function releasePoliciesYaml(ids: Record<E2eTenant, string>): string {
  const lines = ['tenants:'];
  for (const tenant of TENANTS) {
    lines.push(
      `  - tenant: ${ids[tenant]}`,
      `    pairwiseSecretEnv: FEDERATION_SECRET_${tenant.toUpperCase()}`,
      `    groupAttribute: isMemberOf`,
      `    serviceProviders:`,
      `      - entityId: https://lms.example.se/shibboleth`,
      `        attributes: [eduPersonPrincipalName, eduPersonScopedAffiliation, sisSchoolUnitCode, givenName, sn, displayName, mail, isMemberOf]`,
      `      - entityId: https://prov.example.se/saml`,
      `        attributes: [eduPersonPrincipalName, norEduPersonNIN, sisSchoolUnitCode, givenName, sn]`,
    );
  }
  lines.push(
    'idpClients:',
    '  - id: shibboleth-idp',
    '    tokenEnv: FEDERATION_IDP_TOKEN',
    `    tenants: [${TENANTS.map((t) => ids[t]).join(', ')}]`,
    'entra: []',
  );
  return `${lines.join('\n')}\n`;
}

export interface E2eOptions {
  personsPerTenant?: number;
  /** The simulator's school year (classes run Aug 17 of this year to Jun 12 of the next). */
  schoolYearStart?: number;
  /** The test clock's first instant; absent = system time until setClock. */
  clock?: string;
}

export async function startE2eSystem(options: E2eOptions = {}): Promise<E2eSystem> {
  loadStackEnv();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const runDir = join(REPO_ROOT, 'test-artifacts/e2e', runId);
  mkdirSync(runDir, { recursive: true });
  const namespace = `e2e-${randomBytes(4).toString('hex')}`;
  const database = await createTestDatabase({ prefix: 'e2e' });
  const ou = await createTestOu('e2e');
  const ldap = await ldapConnect();
  const nats = await natsConnect({ name: 'skolkonto-e2e' });
  const jsm: JetStreamManager = await nats.jetstreamManager();
  const cleanups: Array<() => Promise<unknown>> = [];

  const [simPort, ingestPort] = [await freePort(), await freePort()];
  const simulatorUrl = `http://127.0.0.1:${simPort}`;
  const configDir = mkdtempSync(join(tmpdir(), 'skolkonto-e2e-'));
  const tenantsFile = join(configDir, 'tenants.yaml');
  // Tenant ids carry the run's suffix: AD group sAMAccountNames are derived from tenant id and key
  // and must be unique in the domain, which other test runs (and the demo) share.
  const suffix = randomBytes(3).toString('hex');
  const ids = Object.fromEntries(TENANTS.map((t) => [t, `${t}-${suffix}`])) as Record<E2eTenant, string>;
  writeFileSync(tenantsFile, tenantsYaml(simulatorUrl, ids));
  const releasePoliciesFile = join(configDir, 'release-policies.yaml');
  writeFileSync(releasePoliciesFile, releasePoliciesYaml(ids));
  // The test clock (libs/domain fileClock): written whole and renamed into place, so an app never
  // reads half an instant.
  const clockFile = join(configDir, 'clock');
  let clock: Date | undefined;
  const setClock = (instant: string) => {
    const at = new Date(instant);
    if (Number.isNaN(at.getTime())) throw new RangeError(`not an instant: ${instant}`);
    writeFileSync(`${clockFile}.next`, `${at.toISOString()}\n`);
    renameSync(`${clockFile}.next`, clockFile);
    clock = at;
  };
  if (options.clock) setClock(options.clock);

  const persons = options.personsPerTenant ?? 30;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    NATS_NAMESPACE: namespace,
    TENANTS_FILE: tenantsFile,
    RELEASE_POLICIES_FILE: releasePoliciesFile,
    SIMULATOR_ADMIN_TOKEN: secret(),
    SIM_ADMIN_TOKEN: '',
    SIM_PERSONS: TENANTS.map((t) => `${ids[t]}=${persons}`).join(','),
    SIM_SEED: '9009',
    SIM_RESEED_ON_BOOT: 'true',
    ...(options.schoolYearStart ? { SIM_SCHOOL_YEAR_START: String(options.schoolYearStart) } : {}),
    CLOCK_FILE: clockFile,
    // A killed app's unacknowledged messages come back after this, not after the default 30 s.
    NATS_ACK_WAIT_MS: '4000',
    PROVISIONER_API_TOKEN: secret(),
    PROVISIONER_ADMIN_TOKEN: secret(),
    INGEST_ADMIN_TOKEN: secret(),
    INGEST_API_TOKEN: secret(),
    INGEST_PUBLIC_URL: `http://127.0.0.1:${ingestPort}`,
    FEDERATION_IDP_TOKEN: secret(),
    CONSOLE_SESSION_SECRET: secret(),
    COOKIE_SECURE: 'false',
    LIFECYCLE_SWEEP_INTERVAL_MS: '2000',
  };
  env.SIM_ADMIN_TOKEN = env.SIMULATOR_ADMIN_TOKEN!;
  const callSimulator = simulatorAdmin(simulatorUrl, env.SIMULATOR_ADMIN_TOKEN!);
  for (const tenant of ['LIDKOPING', 'SKARA', 'GOTENE', 'ESSUNGA']) {
    env[`REGISTER_TOKEN_${tenant}`] = secret();
    env[`WEBHOOK_SECRET_${tenant}`] = secret();
    env[`FEDERATION_SECRET_${tenant}`] = secret();
  }
  for (const key of [
    'LDAP_URL',
    'LDAP_CA_FILE',
    'LDAP_BIND_DN',
    'LDAP_BIND_PASSWORD',
    'LDAP_BASE_DN',
    'AD_REALM',
  ]) {
    if (process.env[key]) env[key] = process.env[key]!;
  }
  // LDAP_BASE_DN stays the domain (name collisions are searched domain-wide); OU=Skolkonto and the
  // tenant OUs land under the fresh test OU and go with it.
  env.AD_ACCOUNTS_BASE_DN = ou.dn;

  const logFile = (app: string) => join(runDir, `${app}.log`);
  const logs: string[] = [logFile('register-simulator')];
  let simulator: ServiceProcess;
  try {
    simulator = await startService('register-simulator', env, {
      logFile: logFile('register-simulator'),
      port: simPort,
      timeoutMs: 120_000,
    });
  } catch (error) {
    await releaseFixtures();
    throw error;
  }
  cleanups.push(() => simulator.stop());

  const apps: Partial<Record<PipelineApp, ServiceProcess>> = {};
  const startErrors: Partial<Record<PipelineApp, Error>> = {};
  // The ingest keeps its port across restarts: the register's webhook subscription names it.
  const launch = (app: PipelineApp) =>
    startService(app, env, {
      logFile: logFile(app),
      port: app === 'register-ingest' ? ingestPort : 0,
      timeoutMs: 120_000,
    });
  await Promise.all(
    PIPELINE_APPS.map(async (app) => {
      logs.push(logFile(app));
      try {
        apps[app] = await launch(app);
      } catch (error) {
        startErrors[app] = error as Error;
      }
    }),
  );

  const cursors = new Map<string, { next: number; messages: StreamMessage[] }>();
  const system: E2eSystem = {
    runDir,
    namespace,
    ou,
    database,
    env,
    simulator,
    tenantId: (tenant) => ids[tenant],
    apps,
    startErrors,
    ldap,
    nats,
    app(name) {
      const running = apps[name];
      if (running) return running;
      throw new Error(`${name} is not running: ${startErrors[name]?.message ?? 'not started'}`);
    },
    async restart(name) {
      if (apps[name]?.running()) throw new Error(`${name} is still running; stop or kill it first`);
      apps[name] = await launch(name);
      return apps[name]!;
    },
    clockNow: () => clock ?? new Date(),
    setClock,
    clockDay(offsetDays = 0) {
      return toLocalDate(new Date((clock ?? new Date()).getTime() + offsetDays * 86_400_000));
    },
    tenantDn: (tenant) => `OU=${OU_NAMES[tenant]},OU=Skolkonto,${ou.dn}`,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      // `/tenants/skara/…` addresses this run's skara tenant.
      return callSimulator<T>(
        method,
        path.replace(/^\/tenants\/(lidkoping|skara)\//, (_, t: E2eTenant) => `/tenants/${ids[t]}/`),
        body,
      );
    },
    async registerPersons(tenant) {
      const out: Array<Record<string, unknown>> = [];
      const base = `${simulatorUrl}/tenants/${ids[tenant]}/v2.1/persons?limit=1000`;
      let url: string | undefined = base;
      while (url) {
        const response: Response = await fetch(url, {
          headers: { authorization: `Bearer ${env[`REGISTER_TOKEN_${tenant.toUpperCase()}`]}` },
        });
        if (!response.ok)
          throw new Error(`GET persons of ${tenant}: ${response.status} ${await response.text()}`);
        const page = (await response.json()) as { data: Array<Record<string, unknown>>; pageToken?: string };
        out.push(...page.data);
        url = page.pageToken ? `${base}&pageToken=${encodeURIComponent(page.pageToken)}` : undefined;
      }
      return out;
    },
    async streamMessages(stream) {
      const name = `${namespace.toUpperCase()}_${stream}`;
      const cursor = cursors.get(name) ?? { next: 1, messages: [] };
      cursors.set(name, cursor);
      let info;
      try {
        info = await jsm.streams.info(name);
      } catch (error) {
        if (/stream not found/i.test(String(error))) return cursor.messages;
        throw error;
      }
      cursor.next = Math.max(cursor.next, info.state.first_seq);
      for (; cursor.next <= info.state.last_seq; cursor.next++) {
        let stored;
        try {
          stored = await jsm.streams.getMessage(name, { seq: cursor.next });
        } catch (error) {
          if (/no message found|not found/i.test(String(error))) continue;
          throw error;
        }
        const raw = new TextDecoder().decode(stored.data);
        let event: StreamMessage['event'];
        try {
          event = JSON.parse(raw) as StreamMessage['event'];
        } catch {
          event = undefined;
        }
        const subject = stored.subject.startsWith(`${namespace}.`)
          ? stored.subject.slice(namespace.length + 1)
          : stored.subject;
        cursor.messages.push({ seq: stored.seq, subject, raw, event });
      }
      return cursor.messages;
    },
    logFiles: () => [...logs],
    async diagnosis(personIds) {
      return describePipeline(system, personIds);
    },
    async close() {
      await Promise.allSettled(Object.values(apps).map((app) => app.stop()));
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await releaseFixtures();
    },
  };
  return system;

  async function releaseFixtures(): Promise<void> {
    const prefix = `${namespace.toUpperCase()}_`;
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) names.push(name);
    for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
    await nats.drain().catch(() => undefined);
    await ldap.unbind().catch(() => undefined);
    await ou.cleanup().catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
}

async function describePipeline(system: E2eSystem, personIds: readonly string[]): Promise<string> {
  const lines: string[] = [`pipeline state for register person(s) ${personIds.join(', ')} (clock ${system.clockNow().toISOString()}):`];
  const ofPersons = (raw: string) => personIds.some((id) => raw.includes(id));
  const register = (await system.streamMessages('REGISTER')).filter((m) => ofPersons(m.raw));
  lines.push(`  register events naming them: ${register.map((m) => `#${m.seq} ${m.subject}`).join('; ') || 'none'}`);
  const identityIds = new Set<string>();
  for (const m of await system.streamMessages('IDENTITY')) {
    const data = m.event?.data ?? {};
    const refs = (data.sourceRefs as Array<{ id: string }> | undefined) ?? [];
    if (!refs.some((ref) => personIds.includes(ref.id))) continue;
    identityIds.add(String(data.identityId));
    const units = ((data.schoolUnits as Array<{ schoolUnitCode: string; roles: string[] }> | undefined) ?? [])
      .map((u) => `${u.schoolUnitCode}:${u.roles.join('+')}`)
      .join(',');
    const klass = data.class as { schoolUnitCode?: string } | undefined;
    lines.push(
      `  #${m.seq} ${m.subject} v${String(data.version)} ${String(data.status)} (${String(data.statusCause)}) affiliations=${JSON.stringify(data.affiliations)} units=[${units}] class=${klass ? (klass.schoolUnitCode ?? 'without unit') : 'none'}`,
    );
  }
  for (const m of await system.streamMessages('DIRECTORY')) {
    const data = m.event?.data ?? {};
    if (!identityIds.has(String(data.identityId))) continue;
    const dn = typeof data.distinguishedName === 'string' ? data.distinguishedName : '';
    lines.push(`  #${m.seq} ${m.subject} v${String(data.identityVersion)} in ${dn.replace(/^CN=(?:\\,|[^,])+,/i, '') || '?'}`);
  }
  lines.push(...(await normalizerFacts(system.database.url, personIds)));
  for (const file of system.logFiles()) {
    const app = basename(file, '.log');
    const state = app in system.apps ? (system.apps[app as PipelineApp]?.running() ? 'running' : 'not running') : '';
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // not written yet
    }
    const warnings = text.split('\n').filter((line) => /"level":"(warn|error|fatal)"/.test(line)).slice(-10);
    lines.push(`  ${app}${state ? ` (${state})` : ''}: ${warnings.length ? `last warnings:\n    ${warnings.map((w) => w.slice(0, 400)).join('\n    ')}` : 'no warnings'}`);
  }
  return lines.join('\n');
}

/**
 * The normalizer's stored facts about these persons now: each enrolment and class membership with
 * its dates and whether the normalizer knows its organisation and that organisation's school unit
 * code (an identity built without them has no school unit, and its account no school OU).
 */
async function normalizerFacts(databaseUrl: string, personIds: readonly string[]): Promise<string[]> {
  const client = new PgClient({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ kind: string; person: string; org: string | null; start: string | null; end: string | null; cancelled: boolean; known: boolean; coded: boolean }>(
      `SELECT 'enrolment' AS kind, e.person_id::text AS person, e.organisation_id::text AS org, e.start_date AS start, e.end_date AS "end", e.cancelled,
              o.id IS NOT NULL AS known, coalesce(o.school_unit_code, '') <> '' AS coded
         FROM normalizer_enrolment e
         LEFT JOIN normalizer_organisation o ON o.tenant = e.tenant AND o.register_id = e.register_id AND o.id = e.organisation_id
        WHERE e.person_id = ANY($1::uuid[])
       UNION ALL
       SELECT 'membership of ' || coalesce(g.group_type, 'an unknown group'), m.person_id::text, g.organisation_id::text, m.start_date, m.end_date, false,
              o.id IS NOT NULL, coalesce(o.school_unit_code, '') <> ''
         FROM normalizer_group_membership m
         LEFT JOIN normalizer_group g ON g.tenant = m.tenant AND g.register_id = m.register_id AND g.id = m.group_id
         LEFT JOIN normalizer_organisation o ON o.tenant = g.tenant AND o.register_id = g.register_id AND o.id = g.organisation_id
        WHERE m.person_id = ANY($1::uuid[])`,
      [personIds],
    );
    const organisations = await client.query<{ tenant: string; n: string }>(
      `SELECT tenant, count(*)::text AS n FROM normalizer_organisation GROUP BY tenant ORDER BY tenant`,
    );
    return [
      `  normalizer organisations: ${organisations.rows.map((r) => `${r.tenant} ${r.n}`).join(', ') || 'none'}`,
      ...rows.map(
        (r) =>
          `  normalizer ${r.kind} of ${r.person}: ${r.start ?? '?'}–${r.end ?? ''}${r.cancelled ? ' cancelled' : ''} at ${r.org ?? '?'} (${r.known ? (r.coded ? 'organisation known, with unit code' : 'organisation known, no unit code') : 'organisation unknown'})`,
      ),
    ];
  } catch (error) {
    return [`  normalizer facts not read: ${String(error)}`];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls `probe` until it returns a value other than undefined/false, or fails with the last reason. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const ACCOUNT_ATTRIBUTES = [
  'sAMAccountName',
  'displayName',
  'givenName',
  'sn',
  'userAccountControl',
  'memberOf',
  'msDS-cloudExtensionAttribute1',
  'employeeNumber',
  'departmentNumber',
  'mail',
  'userPrincipalName',
  'description',
];

/** User objects below `baseDn` carrying the register person id in msDS-cloudExtensionAttribute1. */
export async function findAccounts(ldap: Client, baseDn: string, personId: string): Promise<Entry[]> {
  const { searchEntries } = await ldap.search(baseDn, {
    scope: 'sub',
    filter: `(&(objectClass=user)(msDS-cloudExtensionAttribute1=${personId.replace(/[*()\\\0]/g, '')}))`,
    attributes: ACCOUNT_ATTRIBUTES,
  });
  return searchEntries;
}

export function isDisabled(entry: Entry): boolean {
  return (Number(entry.userAccountControl) & 2) === 2;
}

export function values(entry: Entry, attribute: string): string[] {
  const value = entry[attribute];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) =>
    Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
  );
}

/** The parent DN of an entry (its OU). */
export function parentDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .slice(1)
    .join(',');
}
