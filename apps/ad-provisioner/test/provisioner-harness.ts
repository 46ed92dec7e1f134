// A provisioner wired to real services for one test file: a fresh migrated database, a fresh OU in
// the stack's Samba AD (standing in for the domain base), and two tenants, alpha and beta.
import { LdapDirectory, parseDn } from '@skolkonto/directory';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { parseTenants, type TenantConfig } from '@skolkonto/platform';
import { createTestDatabase, createTestOu, testEnv, type TestDatabase, type TestOu } from '@skolkonto/testing';
import { EnsureLayoutService } from '../src/directory-layout/ensure-layout.service';
import { TenantLayout } from '../src/directory-layout/tenant-layout';
import { ApprovePlanService } from '../src/approve-plan/approve-plan.service';
import { ProvisionAccountService } from '../src/provision-account/provision-account.service';
import { OperationExecutor } from '../src/shared/operation-executor';
import { PlanRunner } from '../src/shared/plan-runner';
import { ReconcileDirectoryService } from '../src/reconcile-directory/reconcile-directory.service';

export const TENANTS_YAML = `
tenants:
  - id: alpha
    name: Alpha kommun
    municipalityCode: "1494"
    register: { baseUrl: http://127.0.0.1:3006/alpha, auth: { type: none } }
    directory: { ouName: Alpha, upnSuffix: alpha.skola.test }
    federation: { scope: alpha.test }
    thresholds: { maxDisablesOrDeletes: 3, maxPercent: 100 }
  - id: beta
    name: Beta kommun
    municipalityCode: "1495"
    register: { baseUrl: http://127.0.0.1:3006/beta, auth: { type: none } }
    directory: { ouName: Beta, upnSuffix: beta.skola.test }
    federation: { scope: beta.test }
  - id: gamma
    name: Gamma kommun
    municipalityCode: "1471"
    register: { baseUrl: http://127.0.0.1:3006/gamma, auth: { type: none } }
    directory: { ouName: Gamma, upnSuffix: gamma.skola.test }
    federation: { scope: gamma.test }
    dryRun: true
`;

export interface Harness {
  db: TestDatabase;
  ou: TestOu;
  prisma: PrismaClient;
  directory: LdapDirectory;
  tenants: TenantConfig[];
  layout(tenant: string): TenantLayout;
  executor: OperationExecutor;
  runner: PlanRunner;
  provision: ProvisionAccountService;
  approvals: ApprovePlanService;
  reconcile: ReconcileDirectoryService;
  outbox(subjectPrefix?: string): Promise<Array<{ subject: string; data: Record<string, unknown> }>>;
  close(): Promise<void>;
}

export async function createHarness(
  options: { ldapUrl?: string; retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number }; groupMembershipDelayMs?: number } = {},
): Promise<Harness> {
  const env = testEnv();
  const db = await createTestDatabase({ prefix: 'adprov' });
  const ou = await createTestOu('adprov');
  const prisma = createPrismaClient(db.url);
  const directory = new LdapDirectory({
    url: options.ldapUrl ?? env.ldap.url,
    ca: env.ldap.ca,
    bindDn: env.ldap.bindDn,
    bindPassword: env.ldap.bindPassword,
    poolSize: 4,
    timeoutMs: 10_000,
    connectTimeoutMs: 3_000,
  });
  const tenants = parseTenants(TENANTS_YAML);
  const layouts = new Map(tenants.map((t) => [t.id, new TenantLayout(t, ou.dn)]));
  const layout = (id: string) => {
    const found = layouts.get(id);
    if (!found) throw new Error(`unknown tenant ${id}`);
    return found;
  };
  const layoutService = new EnsureLayoutService(directory);
  const domainDn = env.ldap.baseDn;
  const executor = new OperationExecutor(prisma, directory, layoutService, {
    domainDn,
    mustChangePassword: false,
    retry: options.retry,
    groupMembershipDelayMs: options.groupMembershipDelayMs,
  });
  const runner = new PlanRunner(prisma, executor, { dryRun: false, percentRuleMinAccounts: 20 });
  const provision = new ProvisionAccountService(prisma, directory, runner, options.retry, (l, ids) => executor.writePendingMembers(l, { identityIds: ids }));
  const approvals = new ApprovePlanService(prisma, executor, layout);
  const reconcile = new ReconcileDirectoryService(prisma, directory, executor);
  return {
    db,
    ou,
    prisma,
    directory,
    tenants,
    layout,
    executor,
    runner,
    provision,
    approvals,
    reconcile,
    async outbox(prefix = '') {
      const rows = await prisma.$queryRawUnsafe<Array<{ subject: string; payload: { data: Record<string, unknown> } }>>(
        `SELECT subject, payload FROM provisioner_outbox WHERE subject LIKE $1 ORDER BY id`,
        `${prefix}%`,
      );
      return rows.map((r) => ({ subject: r.subject, data: r.payload.data }));
    },
    async close() {
      // Deepest first with the RFC 4514 parser (hostile names defeat a naive split).
      const admin = new LdapDirectory({ url: env.ldap.url, ca: env.ldap.ca, bindDn: env.ldap.bindDn, bindPassword: env.ldap.bindPassword });
      try {
        const entries = await admin.search(ou.dn, { scope: 'sub', attributes: ['1.1'] });
        entries.sort((a, b) => parseDn(b.dn).length - parseDn(a.dn).length);
        for (const entry of entries) await admin.delete(entry.dn).catch(() => undefined);
      } finally {
        await admin.close();
      }
      await directory.close();
      await prisma.$disconnect();
      await ou.cleanup();
      await db.drop();
    },
  };
}
