// npm run bench:provisioner — accounts/s provisioned into the stack's Samba AD by the provisioner's
// pipeline (plan → reserve name → add with password → link + outbox → groups) next to a raw ldapts
// loop adding the same kind of objects in the same run (the directory's ceiling), with and without
// a password. Fresh database and OU per run; everything is removed afterwards. Not a test.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { LdapDirectory, childDn, parseDn } from '@skolkonto/directory';
import { measureDirectoryCeiling } from './system/directory-ceiling';
import { createPrismaClient } from '@skolkonto/persistence';
import { parseTenants } from '@skolkonto/platform';
import { createTestDatabase, createTestOu, testEnv } from '@skolkonto/testing';
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import { EnsureLayoutService } from '../apps/ad-provisioner/src/directory-layout/ensure-layout.service';
import { TenantLayout } from '../apps/ad-provisioner/src/directory-layout/tenant-layout';
import { ProvisionAccountService } from '../apps/ad-provisioner/src/provision-account/provision-account.service';
import { OperationExecutor } from '../apps/ad-provisioner/src/shared/operation-executor';
import { PlanRunner } from '../apps/ad-provisioner/src/shared/plan-runner';

const N = Number(process.env.BENCH_ACCOUNTS ?? 150);
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
async function rawLoop(parent: string, withPassword: boolean, tag: string): Promise<number> {
  const ceiling = await measureDirectoryCeiling({
    ldap: { ...env.ldap, ca: env.ldap.ca.toString() },
    parentDn: parent,
    count: N,
    connections: CONCURRENCY,
    withPassword,
    tag,
  });
  return ceiling.perSecond;
}

async function pipeline(base: string, withPassword: boolean, tenantId: string): Promise<number> {
  const db = await createTestDatabase({ prefix: 'bench_adprov' });
  const prisma = createPrismaClient(db.url);
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
    const start = performance.now();
    const outcome = await service.provisionBatch(layout, people);
    const seconds = (performance.now() - start) / 1000;
    if (outcome.status !== 'applied' || outcome.result.failed > 0) throw new Error(`bench batch not applied cleanly: ${JSON.stringify(outcome.status)}`);
    const links = await prisma.accountLink.count();
    if (links !== N) throw new Error(`expected ${N} accounts, got ${links}`);
    return N / seconds;
  } finally {
    await directory.close();
    await prisma.$disconnect();
    await db.drop();
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

async function main() {
  const ou = await createTestOu('bench-prov');
  const tag = Math.random().toString(36).slice(2, 6);
  try {
    console.log(`bench:provisioner — ${N} accounts per run, ${CONCURRENCY} connections, Samba AD at ${env.ldap.url}`);
    const rawPw = await rawLoop(childDn('OU', 'raw-pw', ou.dn), true, `rp${tag}`);
    const pipePw = await pipeline(ou.dn, true, `bp${tag}`);
    const rawNoPw = await rawLoop(childDn('OU', 'raw-nopw', ou.dn), false, `rn${tag}`);
    const pipeNoPw = await pipeline(ou.dn, false, `bn${tag}`);
    const rows = [
      ['with password', rawPw, pipePw],
      ['without password', rawNoPw, pipeNoPw],
    ] as const;
    console.log('mode               raw ldapts/s   pipeline/s   ratio');
    for (const [mode, raw, pipe] of rows) {
      console.log(`${mode.padEnd(18)} ${raw.toFixed(1).padStart(12)} ${pipe.toFixed(1).padStart(12)} ${(pipe / raw).toFixed(2).padStart(7)}`);
    }
  } finally {
    await removeTree(ou.dn);
    await ou.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
