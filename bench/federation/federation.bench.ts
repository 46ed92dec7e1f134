/* eslint-disable no-restricted-imports -- a benchmark drives the app's own modules in-process; it is not an app. */
/**
 * npm run bench:federation — how fast federation-publisher computes and stores attribute sets
 * (attributes published per second: identity event → validated set + outbox row, committed), and the
 * HTTPS attribute API's latency, throughput, CPU per request and GC pauses: the API in its own
 * process, once as of BENCH_BASELINE_REF and once as in this tree, each under steady arrivals at
 * BENCH_RATE (paced-load.ts, its own process), autocannon's overallRate and autocannon at full speed.
 * Runs against the local PostgreSQL in a fresh database, dropped at the end. See docs/idp/README.md.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type ChildProcess, execSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createPrismaClient } from '@skolkonto/persistence';
import { createTestDatabase } from '@skolkonto/testing';
import { IdentifierRegistryRepository } from '../../apps/federation-publisher/src/identifier-registry/identifier-registry.repository';
import { PublishAttributesService } from '../../apps/federation-publisher/src/publish-attributes/publish-attributes.service';
import { RecordAccountService } from '../../apps/federation-publisher/src/record-account/record-account.service';
import { anIdentity, LMS, SETTINGS_ENV, testSettings } from '../../apps/federation-publisher/test/fixtures';
import { selfSignedCertificate } from '../../apps/federation-publisher/test/tls';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
/** The last commit whose attribute API queried PostgreSQL per request (through Nest's controller). */
const BASELINE_REF = 'dcb2a5e';

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function main(): Promise<void> {
  const database = await createTestDatabase({ prefix: 'fedpub_bench' });
  const prisma = createPrismaClient(database.url, { poolSize: CONCURRENCY });
  const tls = selfSignedCertificate();
  const settings = testSettings();
  let server: { child: ChildProcess; port: number } | undefined;
  try {
    const publish = new PublishAttributesService(prisma, new IdentifierRegistryRepository(), settings);
    const accounts = new RecordAccountService(prisma);
    const people = Array.from({ length: PEOPLE }, (_, index) => ({ identity: anIdentity(), name: `elev${String(index).padStart(5, '0')}` }));

    const started = process.hrtime.bigint();
    await pool(people, CONCURRENCY, async ({ identity }) => {
      await publish.applyIdentity(identity);
    });
    const publishSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await pool(people, CONCURRENCY, async ({ identity, name }) => {
      await accounts.applyAccount(
        { identityId: identity.identityId, tenant: 'skara', identityVersion: 1, accountId: randomUUID(), sAMAccountName: name, userPrincipalName: `${name}@skola.skara.se` },
        'present',
      );
    });
    const outboxRows = await prisma.federationOutbox.count();

    const sp = encodeURIComponent(LMS);
    const paths = people.map(({ name }) => `/v1/idp/attributes?principal=${name}&sp=${sp}`);
    const servers: Record<string, ServerFigures> = {};
    for (const variant of variants()) {
      server = await startServer(variant, database.url, tls.dir);
      servers[variant.label] = await measureServer(server.child, server.port, paths, tls.cert);
      await stopServer(server.child);
      server = undefined;
    }

    const summary = {
      people: PEOPLE,
      publish: { seconds: +publishSeconds.toFixed(2), attributesPublishedPerSecond: Math.round(PEOPLE / publishSeconds), outboxRows, concurrency: CONCURRENCY },
      machine: { cpus: cpus().length },
      attributeApi: servers,
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log('\nattribute API (p50/p99 ms, requests/s, server CPU ms/request, longest server GC pause, 1-min load at the start of each run):');
    for (const [label, figures] of Object.entries(servers)) {
      for (const [run, r] of Object.entries(figures)) {
        if (run === 'rssMb') continue;
        const f = r as RunFigures;
        console.log(
          `  ${label.padEnd(9)} ${run.padEnd(30)} p50 ${String(f.latencyMs.p50).padStart(6)}  p99 ${String(f.latencyMs.p99).padStart(6)}  ` +
            `${String(f.requestsPerSecond).padStart(5)} req/s  cpu ${f.serverCpuMsPerRequest.toFixed(3)} ms/req  ` +
            `gc max ${f.serverGcPauses.maxMs} ms  load ${f.loadAverage1m}  non-2xx ${f.non2xx} errors ${f.errors}`,
        );
      }
    }
    const current = servers.current!;
    const late = (current.pacedAtRate as RunFigures & { sendLatenessMs?: { p99: number } }).sendLatenessMs;
    if (late) console.log(`  (the paced generator itself sent its requests up to ${late.p99} ms late at p99: machine scheduling, counted in the latency above)`);
    for (const [run, f] of [
      ['steady arrivals (paced)', current.pacedAtRate],
      ['autocannon overallRate (bursts)', current.autocannonAtRate],
    ] as const) {
      const ok = f.non2xx === 0 && f.errors === 0 && f.latencyMs.p99 < 10 && f.requestsPerSecond >= RATE * 0.95;
      console.log(
        `target p99 < 10 ms at ${RATE} req/s, ${run}: ${ok ? 'MET' : 'NOT MET'} (p99 ${f.latencyMs.p99} ms at ${f.requestsPerSecond} req/s, ` +
          `1-min load ${f.loadAverage1m} on ${cpus().length} CPUs)`,
      );
    }
  } finally {
    if (server) await stopServer(server.child);
    if (baselineDir) rmSync(baselineDir, { recursive: true, force: true });
    await prisma.$disconnect();
    await database.drop();
    tls.cleanup();
  }
}

interface RunFigures {
  targetRate: number | 'unlimited';
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  serverCpuMsPerRequest: number;
  serverGcPauses: { count: number; totalMs: number; maxMs: number };
  loadAverage1m: number;
}

type ClientFigures = Omit<RunFigures, 'serverCpuMsPerRequest' | 'serverGcPauses' | 'loadAverage1m'>;

interface ServerFigures {
  pacedAtRate: RunFigures;
  autocannonAtRate: RunFigures;
  autocannonFullSpeed: RunFigures;
  rssMb: number;
}

interface Variant {
  label: 'baseline' | 'current';
  env: Record<string, string>;
}

let baselineDir: string | undefined;

/**
 * current: this tree. baseline: the API as of BENCH_BASELINE_REF (default: the last commit that
 * queried PostgreSQL per request through Nest's controller), extracted with git archive so before and
 * after are measured in the same run on the same data. BENCH_BASELINE=0 skips it.
 */
function variants(): Variant[] {
  const list: Variant[] = [];
  if (process.env.BENCH_BASELINE !== '0') {
    const ref = process.env.BENCH_BASELINE_REF ?? BASELINE_REF;
    try {
      baselineDir = mkdtempSync(join(tmpdir(), 'fedpub-baseline-'));
      const root = join(__dirname, '../..');
      execSync(`git -C ${root} archive ${ref} apps/federation-publisher/src | tar -x -C ${baselineDir}`, { stdio: 'pipe' });
      symlinkSync(join(root, 'node_modules'), join(baselineDir, 'node_modules'));
      list.push({ label: 'baseline', env: { BENCH_SERVER: 'baseline', BENCH_BASELINE_DIR: baselineDir } });
    } catch (error) {
      console.error(`baseline ${ref} not measured: ${(error as Error).message}`);
    }
  }
  list.push({ label: 'current', env: { BENCH_SERVER: 'current' } });
  return list;
}

async function startServer(variant: Variant, databaseUrl: string, tlsDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(__dirname, 'serve-attribute-api.ts'), {
    execArgv: ['-r', join(__dirname, 'register-ts.js'), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${variant.label}`] : [])],
    env: { ...process.env, ...variant.env, BENCH_DATABASE_URL: databaseUrl, BENCH_TLS_DIR: tlsDir },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`attribute API (${variant.label}) exited with ${code}`)));
  });
  return { child, port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function measureServer(child: ChildProcess, port: number, paths: string[], ca: string): Promise<ServerFigures> {
  const url = `https://127.0.0.1:${port}`;
  let cursor = 0;
  const options = (overallRate?: number): autocannon.Options => ({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    ...(overallRate ? { overallRate } : {}),
    headers: { authorization: `Bearer ${SETTINGS_ENV.IDP_TOKEN_SKARA}` },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[cursor++ % paths.length]! }) }],
  });
  const usage = () =>
    new Promise<{ cpu: NodeJS.CpuUsage; memory: number; gc: RunFigures['serverGcPauses'] }>((resolve) => {
      child.once('message', (message: { cpu: NodeJS.CpuUsage; memory: number; gc: RunFigures['serverGcPauses'] }) => resolve(message));
      child.send({ cpu: true });
    });
  const measured = async (work: () => Promise<ClientFigures>): Promise<RunFigures> => {
    const loadAverage1m = +loadavg()[0]!.toFixed(2);
    const before = await usage();
    const figures = await work();
    const after = await usage();
    const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
    return { ...figures, serverCpuMsPerRequest: +(cpuMs / Math.max(1, figures.requests)).toFixed(3), serverGcPauses: after.gc, loadAverage1m };
  };
  await run({ ...options(RATE), duration: 3 }); // warm-up: JIT, TLS sessions, connection pool, query plans
  const pacedAtRate = await measured(() => paced({ url, ca, token: SETTINGS_ENV.IDP_TOKEN_SKARA, paths, rate: RATE, durationSeconds: DURATION, connections: CONNECTIONS }));
  const autocannonAtRate = await measured(async () => describe(await run(options(RATE)), RATE));
  const autocannonFullSpeed = await measured(async () => describe(await run(options())));
  return { pacedAtRate, autocannonAtRate, autocannonFullSpeed, rssMb: Math.round((await usage()).memory / 2 ** 20) };
}

/** The steady-arrival run in its own process (paced-load.ts), so it shares no event loop. */
function paced(job: object): Promise<ClientFigures> {
  const child = fork(join(__dirname, 'paced-load.ts'), { execArgv: ['-r', join(__dirname, 'register-ts.js')] });
  child.send(job);
  return new Promise((resolve, reject) => {
    child.once('message', (message: { result: ClientFigures }) => resolve(message.result));
    child.once('exit', (code) => code !== 0 && reject(new Error(`paced load exited with ${code}`)));
  });
}

function describe(result: autocannon.Result, rate?: number): ClientFigures {
  return {
    targetRate: rate ?? 'unlimited',
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
