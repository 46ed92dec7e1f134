/* eslint-disable no-restricted-imports -- a benchmark drives the app's own modules in-process; it is not an app. */
/**
 * npm run bench:federation — how fast federation-publisher computes and stores attribute sets
 * (attributes published per second: identity event → validated set + outbox row, committed), and the
 * HTTPS attribute API's latency at a fixed 500 requests/s and at full speed (autocannon).
 * Runs against the local PostgreSQL in a fresh database, dropped at the end.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type ChildProcess, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
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
  let server: ChildProcess | undefined;
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

    server = fork(join(__dirname, 'serve-attribute-api.ts'), {
      execArgv: ['-r', join(__dirname, 'register-ts.js'), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
      env: { ...process.env, BENCH_DATABASE_URL: database.url, BENCH_TLS_DIR: tls.dir },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server!.once('message', (message: { port: number }) => resolve(message.port));
      server!.once('exit', (code) => reject(new Error(`attribute API exited with ${code}`)));
    });
    const sp = encodeURIComponent(LMS);
    let cursor = 0;
    const options = (overallRate?: number): autocannon.Options => ({
      url: `https://127.0.0.1:${port}`,
      connections: 20,
      duration: DURATION,
      ...(overallRate ? { overallRate } : {}),
      headers: { authorization: `Bearer ${SETTINGS_ENV.IDP_TOKEN_SKARA}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({ ...request, path: `/v1/idp/attributes?principal=${people[cursor++ % people.length]!.name}&sp=${sp}` }),
        },
      ],
    });
    const cpu = () =>
      new Promise<NodeJS.CpuUsage>((resolve) => {
        server!.once('message', (message: { cpu: NodeJS.CpuUsage }) => resolve(message.cpu));
        server!.send({ cpu: true });
      });
    const measured = async (opts: autocannon.Options) => {
      const before = await cpu();
      const result = await run(opts);
      const after = await cpu();
      const cpuMs = (after.user - before.user + after.system - before.system) / 1000;
      return { result, cpuMsPerRequest: +(cpuMs / Math.max(1, result.requests.total)).toFixed(3) };
    };
    await run({ ...options(RATE), duration: 3 }); // warm-up: JIT, connection pool, query plans
    const loadBefore = loadavg()[0]!;
    const fixed = await measured(options(RATE));
    const full = await measured(options());

    const summary = {
      people: PEOPLE,
      publish: { seconds: +publishSeconds.toFixed(2), attributesPublishedPerSecond: Math.round(PEOPLE / publishSeconds), outboxRows, concurrency: CONCURRENCY },
      machine: { cpus: cpus().length, loadAverage1mAtStart: +loadBefore.toFixed(2) },
      attributeApiAtFixedRate: { ...describe(fixed.result, RATE), serverCpuMsPerRequest: fixed.cpuMsPerRequest },
      attributeApiFullSpeed: { ...describe(full.result), serverCpuMsPerRequest: full.cpuMsPerRequest },
    };
    console.log(JSON.stringify(summary, null, 2));
    const f = fixed.result;
    const ok = f.non2xx === 0 && f.errors === 0 && f.latency.p99 < 10 && f.requests.average >= RATE * 0.95;
    console.log(
      `target p99 < 10 ms at ${RATE} req/s: ${ok ? 'MET' : 'NOT MET'} (p99 ${f.latency.p99} ms at ${Math.round(f.requests.average)} req/s, ` +
        `${f.non2xx} non-2xx, ${f.errors} errors, 1-min load ${loadBefore.toFixed(1)} on ${cpus().length} CPUs)`,
    );
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    await prisma.$disconnect();
    await database.drop();
    tls.cleanup();
  }
}

function describe(result: autocannon.Result, rate?: number) {
  return {
    targetRate: rate ?? 'unlimited',
    durationSeconds: result.duration,
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
