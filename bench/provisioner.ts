// npm run bench:provisioner — accounts/s provisioned into the stack's Samba AD by the provisioner's
// pipeline as the service runs it (identity events gathered by the batcher into batches of 200, two
// of a tenant at once; each batch: plan → reserve names → adds with password → link + outbox →
// groups) next to a raw ldapts loop adding the same kind of objects in the same run (the directory's
// ceiling), with and without a password. One database (as the service keeps one) and one OU for all
// rounds; everything is removed afterwards. Not a test.
/* eslint-disable no-restricted-imports -- the bench drives the provisioner's use cases directly, without NATS */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { LdapDirectory, childDn, parseDn } from '@skolkonto/directory';
import { measureDirectoryCeiling } from './system/directory-ceiling';
import { cpuSecondsOf } from './system/process-stats';
import { createPrismaClient } from '@skolkonto/persistence';
import { parseTenants } from '@skolkonto/platform';
import { createTestDatabase, createTestOu, testEnv } from '@skolkonto/testing';
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import { EnsureLayoutService } from '../apps/ad-provisioner/src/directory-layout/ensure-layout.service';
import { TenantLayout } from '../apps/ad-provisioner/src/directory-layout/tenant-layout';
import { IdentityEventBatcher } from '../apps/ad-provisioner/src/provision-account/identity-event-batcher';
import { ProvisionAccountService } from '../apps/ad-provisioner/src/provision-account/provision-account.service';
import { OperationExecutor } from '../apps/ad-provisioner/src/shared/operation-executor';
import { PlanRunner } from '../apps/ad-provisioner/src/shared/plan-runner';

const N = Number(process.env.BENCH_ACCOUNTS ?? 400);
// The service's defaults (PROVISIONER_BATCH_SIZE, PROVISIONER_BATCH_LINGER_MS, PROVISIONER_PARALLEL_BATCHES).
const BATCH = { size: 200, lingerMs: 200, parallel: 2 };
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const env = testEnv();

const FIRST = ['Åsa', 'Erik', 'Maja', 'Noah', 'Elsa', 'Liam', 'Alva', 'Hugo', 'Saga', 'Leo', 'Ebba', 'Nils'];
const LAST = ['Öberg', 'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson'];

// One register group per class and school (as a register has it: many pupils share a class group).
const classGroups = new Map<string, string>();

function identity(i: number, tenant: string): PersonIdentityV1 {
  const school = String(10000000 + (i % 5));
  const className = `${7 + (i % 3)}${'ABC'[i % 3]}`;
  const classKey = `${tenant}/${school}/${className}`;
  if (!classGroups.has(classKey)) classGroups.set(classKey, randomUUID());
  const given = FIRST[i % FIRST.length]!;
  const family = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  const schoolId = randomUUID();
  return {
    identityId: randomUUID(),
    tenant,
    version: 1,
    status: 'active',
    names: { givenName: given, familyName: family, displayName: `${given} ${family}`, protected: false },
    affiliations: ['student', 'member'],
    schoolUnits: [{ organisationId: schoolId, schoolUnitCode: school, displayName: `Skola ${school}`, roles: ['student'] }],
    class: { groupId: classGroups.get(classKey)!, displayName: className, schoolUnitCode: school },
    groups: [],
    enrolments: [],
    duties: [],
    sourceRefs: [{ system: 'ss12000', entity: 'Person', id: randomUUID() }],
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    statusChangedAt: new Date().toISOString(),
  };
}

/** The directory's ceiling (shared with `npm run bench`): raw ldapts adds of the same objects. */
async function rawLoop(parent: string, withPassword: boolean, tag: string, count = N): Promise<{ objects: number; seconds: number }> {
  const ceiling = await measureDirectoryCeiling({
    ldap: { ...env.ldap, ca: env.ldap.ca.toString() },
    parentDn: parent,
    count,
    connections: CONCURRENCY,
    withPassword,
    tag,
    // measureDirectoryCeiling counts its adds inside this callback's argument: without a callback
    // it would report 0 objects.
    onProgress: () => undefined,
  });
  return { objects: ceiling.objects, seconds: ceiling.seconds };
}

async function pipeline(databaseUrl: string, base: string, withPassword: boolean, tenantId: string): Promise<number> {
  const prisma = createPrismaClient(databaseUrl);
  const directory = new LdapDirectory({
    url: env.ldap.url,
    ca: env.ldap.ca,
    bindDn: env.ldap.bindDn,
    bindPassword: env.ldap.bindPassword,
    poolSize: CONCURRENCY,
  });
  try {
    const [tenant] = parseTenants(`
tenants:
  - id: ${tenantId}
    name: Bench
    municipalityCode: "1494"
    register: { baseUrl: http://127.0.0.1:3006/bench, auth: { type: none } }
    directory: { ouName: ${tenantId}, upnSuffix: ${tenantId}.skola.test }
    federation: { scope: bench.test }
`);
    const layout = new TenantLayout(tenant!, base);
    const executor = new OperationExecutor(prisma, directory, new EnsureLayoutService(directory), {
      domainDn: env.ldap.baseDn,
      mustChangePassword: false,
      concurrency: CONCURRENCY,
      initialPassword: withPassword ? 'random' : 'none',
    });
    const runner = new PlanRunner(prisma, executor, { dryRun: false, percentRuleMinAccounts: 20 });
    const service = new ProvisionAccountService(prisma, directory, runner);
    const people = Array.from({ length: N }, (_, i) => ({ identity: identity(i, tenantId) }));
    await executor.execute(layout, []); // the layout exists before timing, as in steady operation
    // Connections are open before timing, as the raw loop's are and a running service's pools are:
    // every pooled LDAP connection bound, the database client connected.
    await Promise.all(Array.from({ length: CONCURRENCY }, () => directory.findEntry(layout.rootDn, ['1.1'])));
    await prisma.accountLink.count();
    // Every batch must apply cleanly: a held plan or a failed account would make the figure wrong.
    const outcomes: string[] = [];
    const checked = {
      async provisionBatch(l: TenantLayout, inputs: Parameters<ProvisionAccountService['provisionBatch']>[1]) {
        const outcome = await service.provisionBatch(l, inputs);
        if (outcome.status !== 'applied' || outcome.result.failed > 0) outcomes.push(outcome.status);
        return outcome;
      },
    };
    const batcher = new IdentityEventBatcher(checked, BATCH.size, BATCH.lingerMs, BATCH.parallel);
    const start = performance.now();
    await Promise.all(people.map((person) => batcher.submit(layout, person)));
    const seconds = (performance.now() - start) / 1000;
    if (outcomes.length > 0) throw new Error(`bench batches not applied cleanly: ${outcomes.join(', ')}`);
    const links = await prisma.accountLink.count({ where: { tenant: tenantId } });
    if (links !== N) throw new Error(`expected ${N} accounts, got ${links}`);
    return N / seconds;
  } finally {
    await directory.close();
    await prisma.$disconnect();
  }
}

async function removeTree(dn: string): Promise<void> {
  const admin = new LdapDirectory({ url: env.ldap.url, ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword, poolSize: 4 });
  try {
    const entries = await admin.search(dn, { scope: 'sub', attributes: ['1.1'] });
    entries.sort((a, b) => parseDn(b.dn).length - parseDn(a.dn).length);
    for (const entry of entries) await admin.delete(entry.dn).catch(() => undefined);
  } finally {
    await admin.close();
  }
}

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main() {
  const ou = await createTestOu('bench-prov');
  // One database for every round, as the service keeps one: the names earlier rounds reserved are
  // known to the later rounds' name choice, as a running provisioner knows the names it handed out.
  const db = await createTestDatabase({ prefix: 'bench_adprov' });
  const tag = Math.random().toString(36).slice(2, 6);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  try {
    console.log(`bench:provisioner — ${N} accounts per run in batches of ${BATCH.size} (${BATCH.parallel} at once), ${CONCURRENCY} connections, ${ROUNDS} round(s), Samba AD at ${env.ldap.url}`);
    console.log(`load average before: ${load()}`);
    // Raw loop and pipeline alternate within a round, so a shared machine's load moves both alike;
    // with several rounds the ratio is the median of the rounds' ratios.
    const modes = [
      { name: 'with password', withPassword: true, key: 'p' },
      { name: 'without password', withPassword: false, key: 'n' },
    ];
    const results = modes.map(() => ({ raw: [] as number[], pipe: [] as number[], ratio: [] as number[], rawSamba: [] as number[], pipeSamba: [] as number[] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, mode] of modes.entries()) {
        // Adds get slower as the domain grows, so the raw loop runs half before and half after the
        // pipeline (A B B A): both then see a domain of the same average size. Raw first and pipeline
        // second made the pipeline pay for the raw loop's objects (ratio 0.74 instead of 0.8x at 1,600).
        let samba = cpuSecondsOf('samba');
        const rawBefore = await rawLoop(childDn('OU', `raw-${mode.key}${round}a`, ou.dn), mode.withPassword, `r${mode.key}${round}a${tag}`, Math.ceil(N / 2));
        let rawSambaSeconds = cpuSecondsOf('samba') - samba;
        samba = cpuSecondsOf('samba');
        const pipe = await pipeline(db.url, ou.dn, mode.withPassword, `b${mode.key}${round}${tag}`);
        const pipeSambaMs = ((cpuSecondsOf('samba') - samba) * 1000) / N;
        samba = cpuSecondsOf('samba');
        const rawAfter = await rawLoop(childDn('OU', `raw-${mode.key}${round}b`, ou.dn), mode.withPassword, `r${mode.key}${round}b${tag}`, Math.floor(N / 2));
        rawSambaSeconds += cpuSecondsOf('samba') - samba;
        const raw = (rawBefore.objects + rawAfter.objects) / (rawBefore.seconds + rawAfter.seconds);
        const rawSambaMs = (rawSambaSeconds * 1000) / (rawBefore.objects + rawAfter.objects);
        results[i]!.raw.push(raw);
        results[i]!.pipe.push(pipe);
        results[i]!.ratio.push(pipe / raw);
        results[i]!.rawSamba.push(rawSambaMs);
        results[i]!.pipeSamba.push(pipeSambaMs);
        console.log(
          `  round ${round + 1} ${mode.name}: raw ${raw.toFixed(1)}/s, pipeline ${pipe.toFixed(1)}/s, ratio ${(pipe / raw).toFixed(2)}; ` +
            `Samba CPU per account raw ${rawSambaMs.toFixed(1)} ms, pipeline ${pipeSambaMs.toFixed(1)} ms (load ${load()})`,
        );
      }
    }
    console.log(`load average after:  ${load()}`);
    // Samba CPU per account (all Samba processes, pipeline's OUs, groups and searches included):
    // when Samba is the bottleneck, raw / pipeline of it bounds the ratio the pipeline can reach.
    console.log('mode               raw ldapts/s   pipeline/s   ratio   Samba ms/account raw   pipeline   bound');
    for (const [i, mode] of modes.entries()) {
      const r = results[i]!;
      const [rawSamba, pipeSamba] = [median(r.rawSamba), median(r.pipeSamba)];
      console.log(
        `${mode.name.padEnd(18)} ${median(r.raw).toFixed(1).padStart(12)} ${median(r.pipe).toFixed(1).padStart(12)} ${median(r.ratio).toFixed(2).padStart(7)}` +
          `   ${rawSamba.toFixed(1).padStart(20)} ${pipeSamba.toFixed(1).padStart(10)} ${(rawSamba / pipeSamba).toFixed(2).padStart(7)}`,
      );
    }
  } finally {
    await removeTree(ou.dn);
    await ou.cleanup();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
