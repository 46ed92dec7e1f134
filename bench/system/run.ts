// npm run bench — the whole system, for real, measured. Every app runs as its own built process
// against the stack's NATS, PostgreSQL and Samba AD and the register simulator seeded with N persons
// across the four tenants. Measures, in one run:
//   a. initial provisioning end to end (register → AD account → attributes published), persons/s,
//      next to the directory's ceiling (raw ldapts adds with passwords, same connection count);
//   b. change latency from a register change (simulator mutation → webhook) to AD updated and
//      attributes published, under a background stream of changes;
//   c. each stage's throughput (from event arrival times and the process's CPU time);
//   d. each service's peak memory (VmHWM).
// Writes bench/results/<timestamp>.{json,md,svg}. A script, not a test: it asserts nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { Client as PgClient } from 'pg';
import { testEnv } from '@skolkonto/testing';
import { REPO_ROOT } from '../../tests/boot/app-process';
import { CONSUMER_APPS, startBenchSystem } from './bench-system';
import { removeSubtree } from './cleanup';
import { measureDirectoryCeiling, type DirectoryCeiling } from './directory-ceiling';
import { EventTap, type IdentityState } from './event-tap';
import { cpuSecondsOf, sampleProcess, type ProcessSample } from './process-stats';
import { note, Progress } from './progress';
import { renderMarkdown, renderSvg, type BenchResult, type StageFigure } from './report';

const USAGE = `npm run bench -- [--persons N] [--raw N] [--connections N] [--change-seconds S] [--change-rate R] [--seed N]
  --persons         persons in the four registers together (env BENCH_PERSONS; default 10000; 400 for a quick run)
  --raw             objects the raw directory ceiling adds, half before and half after provisioning
                    (env BENCH_RAW; default min(persons, 1000))
  --connections     LDAP connections of ad-provisioner and of the ceiling loop (env BENCH_CONNECTIONS; default 4)
  --change-seconds  length of the change stream (env BENCH_CHANGE_SECONDS; default 60, 20 under 1000 persons)
  --change-rate     register changes per second in that stream (env BENCH_CHANGE_RATE; default 2)
  --seed            the simulator's seed (env BENCH_SEED; default 9009)`;

interface Options {
  persons: number;
  raw: number;
  connections: number;
  changeSeconds: number;
  changeRate: number;
  seed: number;
}

function parseOptions(argv: string[]): Options {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    flags[match[1]!] = match[2] ?? argv[++i] ?? '';
  }
  const known = ['persons', 'raw', 'connections', 'change-seconds', 'change-rate', 'seed'];
  for (const key of Object.keys(flags))
    if (!known.includes(key)) throw new Error(`unknown option --${key}\n${USAGE}`);
  const number = (key: string, envKey: string, fallback: number, min: number) => {
    const raw = flags[key] ?? process.env[envKey];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${key} (${envKey}) must be a number ≥ ${min}, got ${raw}`);
    return value;
  };
  const persons = Math.round(number('persons', 'BENCH_PERSONS', 10_000, 20));
  return {
    persons,
    raw: Math.round(number('raw', 'BENCH_RAW', Math.min(persons, 1000), 10)),
    connections: Math.round(number('connections', 'BENCH_CONNECTIONS', 4, 1)),
    changeSeconds: number('change-seconds', 'BENCH_CHANGE_SECONDS', persons < 1000 ? 20 : 60, 1),
    changeRate: number('change-rate', 'BENCH_CHANGE_RATE', 2, 0.1),
    seed: Math.round(number('seed', 'BENCH_SEED', 9009, 0)),
  };
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  note('interrupted: cleaning up (Ctrl-C again to leave everything behind)');
});
function checkInterrupted(): void {
  if (interrupted) throw new Error('interrupted');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => ms / 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Messages not yet delivered or not yet acknowledged, over every durable consumer of the run. */
async function pendingWork(
  jsm: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>['jetstreamManager']>>,
  namespace: string,
): Promise<number> {
  const prefix = `${namespace.toUpperCase()}_`;
  let pending = 0;
  for await (const name of jsm.streams.names()) {
    if (!name.startsWith(prefix)) continue;
    for await (const consumer of jsm.consumers.list(name))
      pending += consumer.num_pending + consumer.num_ack_pending;
  }
  return pending;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stack = testEnv();
  const startedAt = new Date();
  const loadBefore = loadavg();
  note(
    `bench: ${options.persons} persons, ceiling ${options.raw} objects, ${options.connections} LDAP connections, ` +
      `changes ${options.changeRate}/s for ${options.changeSeconds}s; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`,
  );

  note('starting the register simulator (seeding)…');
  const system = await startBenchSystem(options);
  const tap = new EventTap(stack.nats.url, system.namespace);
  const nats = await connect({ servers: stack.nats.url, name: 'skolkonto-bench' });
  const jsm = await nats.jetstreamManager();
  const samples = new Map<string, ProcessSample>();
  try {
    await tap.start();
    const ourTenants = new Set(system.tenants.map((t) => t.id));
    const registers = (
      await system.admin<Array<{ tenant: string; counts: { persons: number } }>>('GET', '/tenants')
    ).filter((r) => ourTenants.has(r.tenant));
    const registerPersons = registers.reduce((sum, r) => sum + r.counts.persons, 0);
    note(
      `registers: ${registers.map((r) => `${r.tenant} ${r.counts.persons}`).join(', ')}; logs in ${system.runDir}`,
    );

    // a. The directory's ceiling, half before the apps start and half after provisioning (the
    // directory is larger then, and the machine's load may have moved): Samba with nothing in between.
    const ceilingTag = `rc${randomBytes(2).toString('hex')}`;
    const measureCeiling = async (label: string, count: number): Promise<CeilingRun> => {
      const ceilingBar = new Progress(`directory ceiling ${label} (raw ldapts adds)`, count);
      const sambaBefore = cpuSecondsOf('samba');
      const run = await measureDirectoryCeiling({
        ldap: { ...stack.ldap, ca: stack.ldap.ca.toString() },
        parentDn: `OU=raw-ceiling-${label},${system.ou.dn}`,
        count,
        connections: options.connections,
        withPassword: true,
        tag: `${ceilingTag}${label[0]}`,
        onProgress: (done) => ceilingBar.update(done),
        shouldStop: () => interrupted,
      });
      ceilingBar.finish(
        `${run.perSecond.toFixed(1)} objects/s (${run.objects} in ${run.seconds.toFixed(1)} s)`,
      );
      return { ...run, sambaCpuSeconds: cpuSecondsOf('samba') - sambaBefore };
    };
    const ceilingBefore = await measureCeiling('before', Math.ceil(options.raw / 2));
    checkInterrupted();

    // a/c. Initial provisioning: consumers first, then ingest (its boot starts the full read).
    note('starting identity-normalizer, ad-provisioner, federation-publisher, ops-console…');
    await system.startPipeline(CONSUMER_APPS);
    await system.startPipeline(['register-ingest']);
    const cpuAtBoot = new Map(system.processes().map((p) => [p.app, sampleProcess(p.pid)?.cpuSeconds ?? 0]));
    const sambaAtBoot = cpuSecondsOf('samba');
    const bar = new Progress('provisioning (persons with account + attributes)', registerPersons);
    const provisioned = (s: IdentityState) => s.directory.length > 0 && s.published.length > 0;
    // ad-provisioner's group memberships that wait to be written together (docs/operations.md): the
    // first load ends only once they are in AD too, and the time counts up to then.
    const provisionerDb = new PgClient({ connectionString: system.database.url });
    await provisionerDb.connect();
    const waitingMemberships = async () =>
      Number((await provisionerDb.query<{ n: number }>('SELECT count(*)::int AS n FROM pending_group_members')).rows[0]!.n);
    let membershipsWaited = false;
    let membershipsWrittenAt = 0;
    let quietSince = 0;
    let lastSignature = '';
    let lastChange = performance.now();
    for (;;) {
      checkInterrupted();
      await sleep(500);
      for (const p of system.processes())
        if (!p.running()) throw new Error(`${p.app} exited during provisioning; log ${p.logFile}`);
      const identities = [...tap.identities.values()];
      const done = identities.filter(provisioned).length;
      const accounts = identities.filter((s) => s.directory.length > 0).length;
      const deadLetters = deadLettered(tap);
      const memberships = await waitingMemberships();
      if (memberships > 0) {
        membershipsWaited = true;
        membershipsWrittenAt = 0;
      } else if (membershipsWaited && membershipsWrittenAt === 0) membershipsWrittenAt = performance.now();
      bar.update(
        done,
        `(register ${tap.registerPersons.size}, identities ${identities.filter((s) => s.events.length).length}, accounts ${accounts}` +
          `${memberships ? `, memberships waiting ${memberships}` : ''}${deadLetters ? `, dead letters ${deadLetters}` : ''})`,
      );
      const signature = [...tap.windows.values()].reduce((sum, w) => sum + w.events, 0).toString();
      const now = performance.now();
      if (signature !== lastSignature) {
        lastSignature = signature;
        lastChange = now;
      }
      if (now - lastChange > 300_000)
        throw new Error(
          `no progress for 5 minutes (${done} of ${registerPersons} provisioned); logs in ${system.runDir}`,
        );
      // Done when every register person was ingested, nothing waits in any consumer and no event has
      // arrived for 3 s (an outbox still draining would show as new events).
      const idle =
        tap.registerPersons.size >= registerPersons &&
        now - lastChange > 3000 &&
        memberships === 0 &&
        (await pendingWork(jsm, system.namespace)) === 0;
      if (!idle) {
        quietSince = 0;
        continue;
      }
      if (quietSince === 0) quietSince = now;
      else if (now - quietSince > 1000) break;
    }
    const identities = [...tap.identities.values()];
    const persons = identities.filter(provisioned).length;
    // Register records only: register.<t>.sync.completed follows every scheduled delta pull too.
    const isRecord = (key: string) =>
      /^register\.[a-z]+\.(upserted|deleted)$/.test(key) && !key.startsWith('register.sync.');
    const registerWindows = [...tap.windows.entries()].filter(([k]) => isRecord(k)).map(([, w]) => w);
    const t0 = Math.min(...registerWindows.map((w) => w.first));
    await provisionerDb.end();
    const tLastEvent = Math.max(...identities.flatMap((s) => [...s.directory, ...s.published].map((a) => a.at)));
    // The poll that first found no membership waiting (at most 0.5 s late), when that came later.
    const tEnd = Math.max(tLastEvent, membershipsWrittenAt);
    const e2eSeconds = seconds(tEnd - t0);
    const e2ePerSecond = persons / e2eSeconds;
    const sambaProvisioning = cpuSecondsOf('samba') - sambaAtBoot;
    bar.finish(
      `${persons} persons in ${e2eSeconds.toFixed(1)} s = ${e2ePerSecond.toFixed(1)}/s (ceiling before ${ceilingBefore.perSecond.toFixed(1)}/s)`,
    );
    const activeWithout = identities.filter((s) => s.status === 'active' && !provisioned(s)).length;
    if (activeWithout > 0) note(`note: ${activeWithout} active identities have no account or no attributes`);
    if (deadLettered(tap) > 0)
      note(`note: ${deadLettered(tap)} messages were dead-lettered; see the logs in ${system.runDir}`);
    const eventsByType = Object.fromEntries([...tap.windows].map(([type, window]) => [type, window.events]));

    const cpuAfterProvisioning = new Map(
      system.processes().map((p) => [p.app, sampleProcess(p.pid)?.cpuSeconds ?? 0]),
    );
    const stageCpu = (app: string) => (cpuAfterProvisioning.get(app) ?? 0) - (cpuAtBoot.get(app) ?? 0);
    const windowOf = (matches: (key: string) => boolean) => {
      const ws = [...tap.windows.entries()].filter(([k]) => matches(k)).map(([, w]) => w);
      if (ws.length === 0) return { events: 0, seconds: 0, start: Number.NaN };
      const first = Math.min(...ws.map((w) => w.first));
      const last = Math.max(...ws.map((w) => w.last));
      return {
        events: ws.reduce((sum, w) => sum + w.events, 0),
        seconds: seconds(last - first),
        start: seconds(first - t0),
      };
    };
    const stage = (
      name: string,
      app: string,
      what: string,
      prefix: string | ((key: string) => boolean),
    ): StageFigure => {
      const w = windowOf(typeof prefix === 'string' ? (key) => key.startsWith(prefix) : prefix);
      const cpu = stageCpu(app);
      return {
        stage: name,
        app,
        output: what,
        events: w.events,
        startSeconds: w.start,
        windowSeconds: w.seconds,
        perSecond: w.seconds > 0 ? w.events / w.seconds : 0,
        cpuSeconds: cpu,
        perCpuSecond: cpu > 0 ? w.events / cpu : 0,
      };
    };
    const stages = [
      stage('ingest', 'register-ingest', 'register.* records', isRecord),
      stage('normalizer', 'identity-normalizer', 'identity.person.* events', 'identity.person.'),
      stage(
        'provisioner',
        'ad-provisioner',
        'directory.account.provisioned',
        'directory.account.provisioned',
      ),
      stage(
        'federation',
        'federation-publisher',
        'federation.attributes.published',
        'federation.attributes.published',
      ),
    ];
    checkInterrupted();
    const ceilingAfter = await measureCeiling('after', Math.floor(options.raw / 2));
    const ceiling = combineCeilings(ceilingBefore, ceilingAfter);
    checkInterrupted();

    // b. Change latency: renames (each changes AD and the released attributes) measured one by one,
    // among class changes as background, each on a person not touched before in this phase.
    const eligible = shuffle(
      identities.filter((s) => provisioned(s) && s.status === 'active' && !s.protected && s.personId),
    );
    const classes = new Map<string, string[]>();
    for (const tenant of system.tenants) {
      const groups = await system.admin<Array<{ id: string; groupType: string }>>(
        'GET',
        `/tenants/${tenant.id}/groups?groupType=Klass&limit=1000`,
      );
      classes.set(
        tenant.id,
        groups.map((g) => g.id),
      );
    }
    const total = Math.min(eligible.length, Math.round(options.changeSeconds * options.changeRate));
    const probes: Array<{ identity: IdentityState; at: number; kind: 'rename' | 'class'; failed?: string }> =
      [];
    const changeBar = new Progress('register changes sent', total);
    const sends: Array<Promise<void>> = [];
    const phaseStart = performance.now();
    for (let i = 0; i < total; i++) {
      checkInterrupted();
      const due = phaseStart + (i * 1000) / options.changeRate;
      if (due > performance.now()) await sleep(due - performance.now());
      const identity = eligible[i]!;
      const tenantClasses = classes.get(identity.tenant) ?? [];
      const kind: 'rename' | 'class' =
        i % 3 === 2 && identity.student && tenantClasses.length > 1 ? 'class' : 'rename';
      const probe = { identity, at: performance.now(), kind } as (typeof probes)[number];
      probes.push(probe);
      const path = `/tenants/${identity.tenant}/persons/${identity.personId}`;
      const request =
        kind === 'rename'
          ? system.admin('POST', `${path}/rename`, { givenName: renamedGivenName(i) })
          : system
              .admin('POST', `${path}/change-class`, { classId: tenantClasses[i % tenantClasses.length] })
              // The class picked may be the pupil's own: the next one is not.
              .catch((error: unknown) =>
                /ALREADY_MEMBER/.test(String(error))
                  ? system.admin('POST', `${path}/change-class`, {
                      classId: tenantClasses[(i + 1) % tenantClasses.length],
                    })
                  : Promise.reject(error),
              );
      sends.push(
        request.then(
          () => undefined,
          (error: unknown) => {
            probe.failed = String(error).slice(0, 200);
          },
        ),
      );
      changeBar.update(i + 1);
    }
    await Promise.all(sends);
    changeBar.finish(`${total} changes in ${seconds(performance.now() - phaseStart).toFixed(1)} s`);

    const measured = probes.filter((p) => p.kind === 'rename' && !p.failed);
    // Where the time goes, per rename: register event (webhook + delta pull), identity event,
    // AD updated, attributes published — each from the admin call.
    const segmentsOf = (p: (typeof probes)[number]) => {
      const change = p.identity.events.find((e) => e.at > p.at);
      if (!change) return undefined;
      const directory = p.identity.directory.find((a) => a.at > p.at && a.version >= change.version);
      const published = p.identity.published.find((a) => a.at > p.at && a.version >= change.version);
      if (!directory || !published) return undefined;
      const register = (tap.registerPersons.get(p.identity.personId ?? '') ?? []).find((at) => at > p.at);
      return {
        register: register === undefined ? Number.NaN : register - p.at,
        identity: change.at - p.at,
        directory: directory.at - p.at,
        published: published.at - p.at,
        total: Math.max(directory.at, published.at) - p.at,
      };
    };
    const latencyOf = (p: (typeof probes)[number]) => segmentsOf(p)?.total;
    const waitBar = new Progress('changes in AD and published', measured.length);
    const waitUntil = performance.now() + 60_000;
    for (;;) {
      const resolved = measured.filter((p) => latencyOf(p) !== undefined).length;
      waitBar.update(resolved);
      if (resolved === measured.length || performance.now() > waitUntil) break;
      checkInterrupted();
      await sleep(250);
    }
    const latencies = measured
      .map(latencyOf)
      .filter((l): l is number => l !== undefined)
      .sort((a, b) => a - b);
    const background = probes.filter((p) => p.kind === 'class');
    const segments = measured.flatMap((p) => segmentsOf(p) ?? []);
    const segment = (key: 'register' | 'identity' | 'directory' | 'published') => {
      const values = segments
        .map((s) => s[key])
        .filter((v) => Number.isFinite(v))
        .sort((a, b) => a - b);
      return { p50Ms: percentile(values, 50), p95Ms: percentile(values, 95) };
    };
    waitBar.finish(
      `p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms over ${latencies.length} renames`,
    );

    // d. Peak memory over the whole run (and CPU, for the record).
    for (const p of system.processes()) {
      const sample = sampleProcess(p.pid);
      if (sample) samples.set(p.app, sample);
    }

    const result: BenchResult = {
      runId: system.runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg(),
      },
      options,
      registers: Object.fromEntries(registers.map((r) => [r.tenant, r.counts.persons])),
      provisioning: {
        registerPersons,
        persons,
        seconds: e2eSeconds,
        perSecond: e2ePerSecond,
        activeWithoutAccountOrAttributes: activeWithout,
        deadLetters: deadLettered(tap),
        ceiling,
        ceilingBefore,
        ceilingAfter,
        ratio: e2ePerSecond / ceiling.perSecond,
        sambaCpuSecondsPerObjectRaw:
          (ceilingBefore.sambaCpuSeconds + ceilingAfter.sambaCpuSeconds) / ceiling.objects,
        sambaCpuSecondsPerPerson: persons > 0 ? sambaProvisioning / persons : Number.NaN,
        membershipsWrittenAfterLastEventSeconds: seconds(tEnd - tLastEvent),
        targetRatio: 0.85,
        eventsByType,
      },
      latency: {
        measured: measured.length,
        resolved: latencies.length,
        failedRequests: probes.filter((p) => p.failed).length,
        firstFailure: probes.find((p) => p.failed)?.failed,
        backgroundChanges: background.length,
        backgroundApplied: background.filter((p) => p.identity.events.some((e) => e.at > p.at)).length,
        changesPerSecond: options.changeRate,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? Number.NaN,
        segments: {
          registerEvent: segment('register'),
          identityEvent: segment('identity'),
          adUpdated: segment('directory'),
          attributesPublished: segment('published'),
        },
        targetP95Ms: 2000,
      },
      stages,
      memory: [...samples.entries()].map(([app, s]) => ({
        app,
        peakRssMiB: s.peakRssMiB,
        cpuSeconds: s.cpuSeconds,
      })),
    };
    writeResult(result, startedAt);
  } finally {
    note('stopping the apps and cleaning up (streams, database, OU)…');
    await system.stopAll().catch(() => undefined);
    await tap.stop().catch(() => undefined);
    const prefix = `${system.namespace.toUpperCase()}_`;
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) names.push(name);
    for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
    await nats.close();
    await system.database
      .drop()
      .catch((error: unknown) => note(`could not drop ${system.database.url}: ${String(error)}`));
    const cleanupBar = new Progress('removing the run OU', 0);
    const removed = await removeSubtree(stack.ldap, system.ou.dn, 4, (done, total) => {
      cleanupBar.setTotal(total);
      cleanupBar.update(done);
    }).catch((error: unknown) => {
      note(`could not remove ${system.ou.dn}: ${String(error)}`);
      return 0;
    });
    cleanupBar.finish(`${removed} entries removed`);
  }
}

/** The figures are final once measured: written before the cleanup, which takes minutes at 10,000 persons. */
function writeResult(result: BenchResult, startedAt: Date): void {
  const dir = join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const markdown = renderMarkdown(result);
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, `${stamp}.md`), markdown);
  writeFileSync(join(dir, `${stamp}.svg`), renderSvg(result));
  process.stdout.write(`\n${markdown}\nwritten: bench/results/${stamp}.{json,md,svg}\n`);
}

// A hyphenated pair the seeded registers never hold: a rename to the person's current name would
// change nothing and never arrive in AD, leaving a probe unresolved.
function renamedGivenName(i: number): string {
  return `${GIVEN_NAMES[i % GIVEN_NAMES.length]}-${GIVEN_NAMES[(i + 7) % GIVEN_NAMES.length]}`;
}

const GIVEN_NAMES = [
  'Astrid',
  'Birger',
  'Cecilia',
  'Dag',
  'Edvin',
  'Freja',
  'Gustav',
  'Hedda',
  'Ingrid',
  'Jonatan',
  'Klara',
  'Ludvig',
  'Märta',
  'Oskar',
  'Signe',
  'Tove',
  'Ylva',
  'Åke',
];

type CeilingRun = DirectoryCeiling & { sambaCpuSeconds: number };

/** Both halves as one measurement: all objects over all the time spent adding them. */
function combineCeilings(a: CeilingRun, b: CeilingRun): DirectoryCeiling {
  const objects = a.objects + b.objects;
  const secs = a.seconds + b.seconds;
  return {
    objects,
    connections: a.connections,
    withPassword: a.withPassword,
    seconds: secs,
    perSecond: objects / secs,
  };
}

function deadLettered(tap: EventTap): number {
  return [...tap.windows.entries()]
    .filter(([key]) => key.startsWith('deadletter.'))
    .reduce((sum, [, w]) => sum + w.events, 0);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
