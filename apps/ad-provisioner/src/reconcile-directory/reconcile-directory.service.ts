// Periodic drift reconciliation: pages through a tenant's OU, compares every linked account and
// every tenant group with the state the provisioner last wrote, and reports each difference as
// directory.drift.detected — repaired through the same executor, or only reported, by policy.
import {
  LdapDirectory,
  attributeBuffer,
  attributeString,
  attributeStrings,
  guidBaseDn,
  guidToString,
  isAccountDisabled,
  isDnWithin,
  normalizeDn,
  parentDn,
  type DirectoryEntry,
} from '@skolkonto/directory';
import type { PrismaClient } from '@skolkonto/persistence';
import { TenantLayout } from '../directory-layout/tenant-layout';
import { CORRELATION_ATTRIBUTE, type DesiredAccount } from '../provision-account/desired-account';
import { ACCOUNT_ATTRIBUTES, OperationExecutor } from '../shared/operation-executor';
import type { PlannedOperation } from '../shared/planned-operation';
import { EVENTS, enqueueProvisionerEvent } from '../shared/provisioner-events';

export type DriftPolicy = 'repair' | 'report';
type DriftKind = 'attribute' | 'location' | 'membership' | 'unknown-account' | 'missing-account' | 'enabled-state';

export interface Drift {
  kind: DriftKind;
  identityId?: string;
  accountId?: string;
  distinguishedName: string;
  attributes: Array<{ name: string; expected?: string; actual?: string }>;
  action: 'corrected' | 'reported';
}

type StoredDesired = DesiredAccount & { sAMAccountName: string };

export class ReconcileDirectoryService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly directory: LdapDirectory,
    private readonly executor: OperationExecutor,
  ) {}

  async reconcile(layout: TenantLayout, policy: DriftPolicy): Promise<Drift[]> {
    const drifts: Drift[] = [];
    if (!(await this.directory.findEntry(layout.rootDn))) return drifts; // nothing provisioned yet
    const links = await this.prisma.accountLink.findMany({ where: { tenant: layout.id, deletedAt: null } });
    const byGuid = new Map(links.map((l) => [l.objectGuid, l]));
    const expectedMembers = new Map<string, Set<string>>(); // group DN (normalized) → member objectGUIDs

    // Every user object in the tenant's subtree, page by page.
    const seen = new Set<string>();
    for await (const page of this.directory.searchPages(layout.rootDn, {
      filter: '(&(objectClass=user)(!(objectClass=computer)))',
      attributes: ACCOUNT_ATTRIBUTES,
      pageSize: 200,
    })) {
      for (const entry of page) {
        const guid = guidToString(attributeBuffer(entry, 'objectGUID')!);
        const link = byGuid.get(guid);
        if (!link) {
          drifts.push({ kind: 'unknown-account', accountId: guid, distinguishedName: entry.dn, attributes: [], action: 'reported' });
          continue;
        }
        seen.add(guid);
        const desired = link.desired as unknown as StoredDesired;
        for (const group of desired.groups) {
          const key = normalizeDn(group.dn);
          if (!expectedMembers.has(key)) expectedMembers.set(key, new Set());
          expectedMembers.get(key)!.add(guid);
        }
        drifts.push(...(await this.compareAccount(layout, policy, link, desired, entry)));
      }
    }
    for (const link of links) {
      if (seen.has(link.objectGuid)) continue;
      // Not in the tenant's subtree: deleted or moved out by hand (the <GUID=> lookup tells which).
      const elsewhere = await this.directory.findEntry(guidBaseDn(link.objectGuid), ['cn']);
      drifts.push({
        kind: elsewhere ? 'location' : 'missing-account',
        identityId: link.identityId,
        accountId: link.objectGuid,
        distinguishedName: elsewhere?.dn ?? link.dn,
        attributes: elsewhere ? [{ name: 'distinguishedName', expected: link.dn, actual: elsewhere.dn }] : [],
        action: 'reported', // never pull objects back from outside the tenant's OU
      });
    }

    // Members added to the tenant's groups by hand. Repairs above may have moved accounts, so map
    // member DNs to objectGUIDs as they are now.
    const guidOfDn = new Map<string, string>();
    for await (const page of this.directory.searchPages(layout.rootDn, { filter: '(objectClass=user)', attributes: ['objectGUID'] })) {
      for (const entry of page) guidOfDn.set(normalizeDn(entry.dn), guidToString(attributeBuffer(entry, 'objectGUID')!));
    }
    const groups = await this.directory.search(layout.groupsDn, { scope: 'one', filter: '(objectClass=group)', attributes: ['member'] });
    for (const group of groups) {
      const wanted = expectedMembers.get(normalizeDn(group.dn)) ?? new Set<string>();
      const extra = attributeStrings(group, 'member').filter((m) => !wanted.has(guidOfDn.get(normalizeDn(m)) ?? ''));
      if (extra.length === 0) continue;
      let action: Drift['action'] = 'reported';
      if (policy === 'repair') {
        for (const member of extra) {
          await this.directory.modify(layout.guard(group.dn), [{ operation: 'delete', attribute: 'member', values: [member] }]);
        }
        action = 'corrected';
      }
      drifts.push({
        kind: 'membership',
        distinguishedName: group.dn,
        attributes: extra.map((m) => ({ name: 'member', actual: isDnWithin(m, layout.rootDn) ? m : 'an object outside the tenant' })),
        action,
      });
    }

    if (drifts.length > 0) {
      const detectedAt = new Date().toISOString();
      await this.prisma.$transaction(async (tx) => {
        for (const drift of drifts) {
          await enqueueProvisionerEvent(tx, EVENTS.directoryDriftDetected, layout.id, {
            tenant: layout.id,
            kind: drift.kind,
            ...(drift.identityId ? { identityId: drift.identityId } : {}),
            ...(drift.accountId ? { accountId: drift.accountId } : {}),
            distinguishedName: drift.distinguishedName,
            attributes: drift.attributes,
            action: drift.action,
            detectedAt,
          });
        }
      });
    }
    return drifts;
  }

  private async compareAccount(
    layout: TenantLayout,
    policy: DriftPolicy,
    link: { identityId: string; objectGuid: string; identityVersion: number },
    desired: StoredDesired,
    entry: DirectoryEntry,
  ): Promise<Drift[]> {
    const found: Array<Omit<Drift, 'action'> & { repair: PlannedOperation['action'] }> = [];
    const base = { identityId: link.identityId, accountId: link.objectGuid, distinguishedName: entry.dn };
    const disabled = isAccountDisabled(attributeString(entry, 'userAccountControl'));
    const wantEnabled = desired.state === 'present';
    if (disabled === wantEnabled) {
      found.push({ ...base, kind: 'enabled-state', attributes: [{ name: 'enabled', expected: String(wantEnabled), actual: String(!disabled) }], repair: wantEnabled ? 'enable' : 'disable' });
    } else if (normalizeDn(parentDn(entry.dn)) !== normalizeDn(desired.ouDn)) {
      found.push({ ...base, kind: 'location', attributes: [{ name: 'ou', expected: desired.ouDn, actual: parentDn(entry.dn) }], repair: wantEnabled ? 'move' : 'disable' });
    }
    // Name attributes: which ones differ, never their values (they may belong to a protected person).
    const changedNames = (['givenName', 'sn', 'displayName', CORRELATION_ATTRIBUTE] as const).filter((attr) => {
      const expected = attr === CORRELATION_ATTRIBUTE ? desired.registerPersonId : desired[attr];
      return attributeString(entry, attr) !== expected;
    });
    if (changedNames.length > 0) found.push({ ...base, kind: 'attribute', attributes: changedNames.map((name) => ({ name })), repair: 'update' });
    const current = attributeStrings(entry, 'memberOf')
      .filter((g) => isDnWithin(g, layout.groupsDn, { allowSelf: false }))
      .map((g) => normalizeDn(g));
    const wanted = desired.groups.map((g) => normalizeDn(g.dn));
    const missing = wanted.filter((g) => !current.includes(g));
    if (missing.length > 0 && wantEnabled) {
      found.push({ ...base, kind: 'membership', attributes: missing.map((g) => ({ name: 'memberOf', expected: g })), repair: 'groups' });
    }

    const drifts: Drift[] = [];
    for (const drift of found) {
      let action: Drift['action'] = 'reported';
      if (policy === 'repair') {
        const op: PlannedOperation = {
          index: 0,
          action: drift.repair,
          identityId: link.identityId,
          identityVersion: link.identityVersion,
          accountId: link.objectGuid,
          target: entry.dn,
          before: null,
          after: null,
          desired,
          reason: 'drift repair',
        };
        const result = await this.executor.execute(layout, [op]);
        if (result.applied === 1) action = 'corrected';
      }
      const { repair: _repair, ...rest } = drift;
      drifts.push({ ...rest, action });
    }
    return drifts;
  }
}
