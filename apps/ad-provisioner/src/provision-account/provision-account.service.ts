// identity.<tenant>.person.* → AD. Turns a batch of identity versions into planned LDAP operations
// (with before/after), then hands the plan to the PlanRunner (dry-run, threshold hold or apply).
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import {
  DirectoryError,
  LdapDirectory,
  andFilter,
  attributeString,
  attributeStrings,
  childDn,
  equalsFilter,
  guidBaseDn,
  orFilter,
  isAccountDisabled,
  isDnWithin,
  normalizeDn,
  parentDn,
  type DirectoryEntry,
} from '@skolkonto/directory';
import { takeAccountNameCandidates } from '@skolkonto/domain';
import type { AccountLinkModel as AccountLink, PrismaClient } from '@skolkonto/persistence';
import { TenantLayout } from '../directory-layout/tenant-layout';
import { ACCOUNT_ATTRIBUTES } from '../shared/operation-executor';
import { PlannedOperation } from '../shared/planned-operation';
import { PlanOutcome, PlanRunner, planKeyOf } from '../shared/plan-runner';
import { runConcurrently } from '../shared/run-concurrently';
import { DEFAULT_RETRY, RetryPolicy, withRetry } from '../shared/with-retry';
import { accountCn, CORRELATION_ATTRIBUTE, toDesiredAccount, type AccountKind, type DesiredAccount, type PreviousPlacement } from './desired-account';

export interface IdentityInput {
  identity: PersonIdentityV1;
  /** Why the event came (deactivation reason etc.); shown in plans and disable events. */
  reason?: string;
  /** The CloudEvent id: a redelivered batch of the same events must not store a second plan. */
  eventId?: string;
}

export class ProvisionAccountService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly directory: LdapDirectory,
    private readonly runner: PlanRunner,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** Writes memberships still waiting for these identities, so planning compares them with AD. */
    private readonly beforePlan?: (layout: TenantLayout, identityIds: string[]) => Promise<unknown>,
  ) {}

  async provisionBatch(layout: TenantLayout, inputs: IdentityInput[]): Promise<PlanOutcome> {
    const operations = await this.plan(layout, inputs);
    const key = planKeyOf(layout.id, inputs.map((input) => input.eventId));
    return this.runner.submit(layout, operations, `${inputs.length} identity event(s)`, key);
  }

  /** The operations that would bring AD to the identities' state; reads AD and the links, writes nothing. */
  async plan(layout: TenantLayout, inputs: IdentityInput[]): Promise<PlannedOperation[]> {
    // Newest version per identity; events for another tenant never reach planning.
    const latest = new Map<string, IdentityInput>();
    for (const input of inputs) {
      if (input.identity.tenant !== layout.id) {
        throw new TenantMismatchError(layout.id, input.identity.tenant);
      }
      const seen = latest.get(input.identity.identityId);
      if (!seen || seen.identity.version < input.identity.version) latest.set(input.identity.identityId, input);
    }
    const identities = [...latest.values()];
    await this.beforePlan?.(layout, identities.map((i) => i.identity.identityId));
    const links = new Map(
      (await this.prisma.accountLink.findMany({ where: { tenant: layout.id, identityId: { in: identities.map((i) => i.identity.identityId) } } })).map(
        (link) => [link.identityId, link],
      ),
    );
    // Linked accounts are read by objectGUID side by side; everyone else is looked up for adoption
    // by register person id (an indexed attribute) in one search per chunk, while the reads go on. A linked account that has vanished is looked up the same way after.
    const entries = new Map<string, DirectoryEntry | null>();
    const isLinked = (identity: PersonIdentityV1) => {
      const link = links.get(identity.identityId);
      return !!link && !link.deletedAt && link.identityVersion <= identity.version;
    };
    const isStale = (identity: PersonIdentityV1) => (links.get(identity.identityId)?.identityVersion ?? 0) > identity.version;
    const adoptionSearch = (candidates: IdentityInput[]) =>
      withRetry(() => this.findByRegisterPersonIds(layout, candidates.map(({ identity }) => toDesiredAccount(identity, layout.tenant, layout).registerPersonId)), this.retry);
    const [, byRegisterPersonId] = await Promise.all([
      runConcurrently(identities, this.concurrency, async ({ identity }) => {
        const link = links.get(identity.identityId);
        if (link && isLinked(identity)) {
          entries.set(identity.identityId, await withRetry(() => this.directory.findEntry(guidBaseDn(link.objectGuid), ACCOUNT_ATTRIBUTES), this.retry));
        }
      }),
      adoptionSearch(identities.filter(({ identity }) => !isLinked(identity) && !isStale(identity))),
    ]);
    const vanished = identities.filter(({ identity }) => isLinked(identity) && !entries.get(identity.identityId));
    if (vanished.length > 0) for (const [id, entry] of await adoptionSearch(vanished)) byRegisterPersonId.set(id, entry);
    const operations: PlannedOperation[] = [];
    for (const { identity, reason } of identities) {
      const link = links.get(identity.identityId) ?? null;
      operations.push(...this.planIdentity(layout, identity, link, entries.get(identity.identityId) ?? null, byRegisterPersonId, reason));
    }
    return operations;
  }

  private get concurrency(): number {
    return this.directory.poolSize;
  }

  /** Accounts in the tenant's OU carrying these register person ids (OR filter, 200 values a search). */
  private async findByRegisterPersonIds(layout: TenantLayout, registerPersonIds: string[]): Promise<Map<string, DirectoryEntry>> {
    const map = new Map<string, DirectoryEntry>();
    const wanted = [...new Set(registerPersonIds)];
    try {
      for (let i = 0; i < wanted.length; i += 200) {
        const filter = andFilter('(objectClass=user)', orFilter(...wanted.slice(i, i + 200).map((id) => equalsFilter(CORRELATION_ATTRIBUTE, id))));
        for await (const page of this.directory.searchPages(layout.rootDn, { filter, attributes: ACCOUNT_ATTRIBUTES })) {
          for (const entry of page) map.set(attributeString(entry, CORRELATION_ATTRIBUTE), entry);
        }
      }
    } catch (error) {
      // The tenant's OU may not exist yet (first batch): then there is nothing to adopt.
      if (!(error instanceof DirectoryError && error.code === 'NOT_FOUND')) throw error;
    }
    return map;
  }

  private planIdentity(
    layout: TenantLayout,
    identity: PersonIdentityV1,
    link: AccountLink | null,
    linkedEntry: DirectoryEntry | null,
    byRegisterPersonId: Map<string, DirectoryEntry>,
    reason?: string,
  ): PlannedOperation[] {
    // An older version is stale. The same version again (a redelivery) is compared with AD like a new
    // one: a batch that failed after recording an account but before its group memberships or move
    // finishes that work instead of being skipped; when AD already matches, nothing is planned.
    if (link && link.identityVersion > identity.version) return [];
    const placed = link?.desired as { kind?: AccountKind; schoolUnitCode?: string | null } | null | undefined;
    const previous: PreviousPlacement | undefined =
      placed?.kind === 'pupil' || placed?.kind === 'staff' ? { kind: placed.kind, schoolUnitCode: placed.schoolUnitCode ?? null } : undefined;
    const desired = toDesiredAccount(identity, layout.tenant, layout, previous);
    const base = { identityId: identity.identityId, identityVersion: identity.version, desired };

    let entry: DirectoryEntry | null = linkedEntry;
    let adoptable = false;
    if (!entry && desired.state === 'present') {
      entry = byRegisterPersonId.get(desired.registerPersonId) ?? null;
      adoptable = entry !== null;
    }

    if (!entry) {
      if (desired.state !== 'present') return [];
      const sam = link?.sAMAccountName ?? this.proposeName(layout, desired);
      return [
        {
          ...base,
          index: 0,
          action: 'create',
          target: childDn('CN', accountCn(desired.displayName, sam), desired.ouDn),
          before: null,
          after: { ...visible(desired), sAMAccountName: sam, enabled: true, groups: desired.groups.map((g) => g.cn) },
        },
      ];
    }
    if (adoptable) {
      return [
        {
          ...base,
          index: 0,
          action: 'create',
          target: entry.dn,
          adoptDn: entry.dn,
          before: snapshot(entry),
          after: { ...visible(desired), sAMAccountName: attributeString(entry, 'sAMAccountName'), enabled: true, mode: 'linked' },
        },
      ];
    }

    const ops: PlannedOperation[] = [];
    const accountId = link!.objectGuid;
    const disabled = isAccountDisabled(attributeString(entry, 'userAccountControl'));
    const before = snapshot(entry);
    if (desired.state === 'leaver' || desired.state === 'none') {
      if (desired.state === 'leaver' && (!disabled || normalizeDn(parentDn(entry.dn)) !== normalizeDn(layout.leaversDn))) {
        ops.push({
          ...base,
          index: 0,
          accountId,
          action: 'disable',
          target: entry.dn,
          before,
          after: { enabled: false, ou: layout.leaversDn },
          reason: reason ?? `identity ${identity.status}`,
        });
      }
      return ops;
    }
    const cn = accountCn(desired.displayName, link!.sAMAccountName);
    const attrsDiffer =
      attributeString(entry, 'givenName') !== desired.givenName ||
      attributeString(entry, 'sn') !== desired.sn ||
      attributeString(entry, 'displayName') !== desired.displayName ||
      attributeString(entry, CORRELATION_ATTRIBUTE) !== desired.registerPersonId ||
      attributeString(entry, 'cn') !== cn;
    if (attrsDiffer) {
      ops.push({ ...base, index: 0, accountId, action: 'update', target: entry.dn, before, after: { ...visible(desired), cn } });
    }
    const misplaced = normalizeDn(parentDn(entry.dn)) !== normalizeDn(desired.ouDn);
    if (disabled) {
      ops.push({ ...base, index: 0, accountId, action: 'enable', target: entry.dn, before, after: { enabled: true, ou: desired.ouDn } });
    } else if (misplaced) {
      ops.push({ ...base, index: 0, accountId, action: 'move', target: entry.dn, before: { ou: parentDn(entry.dn) }, after: { ou: desired.ouDn } });
    }
    const currentGroups = attributeStrings(entry, 'memberOf')
      .filter((g) => isDnWithin(g, layout.groupsDn, { allowSelf: false }))
      .map((g) => normalizeDn(g))
      .sort();
    const wantedGroups = desired.groups.map((g) => normalizeDn(g.dn)).sort();
    if (currentGroups.join('\n') !== wantedGroups.join('\n')) {
      ops.push({
        ...base,
        index: 0,
        accountId,
        action: 'groups',
        target: entry.dn,
        before: { groups: currentGroups },
        after: { groups: wantedGroups },
      });
    }
    return ops;
  }

  private proposeName(layout: TenantLayout, desired: DesiredAccount): string {
    const pattern = desired.kind === 'pupil' ? layout.tenant.naming.pupilPattern : layout.tenant.naming.staffPattern;
    return takeAccountNameCandidates({ pattern }, { givenName: desired.givenName, familyName: desired.sn }, 1)[0]!;
  }
}

export class TenantMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`identity of tenant ${actual} refused by the provisioner of tenant ${expected}`);
    this.name = 'TenantMismatchError';
  }
}

/** Plan-visible state; protected identities already carry only neutral names. */
function visible(desired: DesiredAccount): Record<string, unknown> {
  return {
    kind: desired.kind,
    ou: desired.ouDn,
    givenName: desired.givenName,
    sn: desired.sn,
    displayName: desired.displayName,
  };
}

function snapshot(entry: DirectoryEntry): Record<string, unknown> {
  return {
    dn: entry.dn,
    sAMAccountName: attributeString(entry, 'sAMAccountName'),
    givenName: attributeString(entry, 'givenName'),
    sn: attributeString(entry, 'sn'),
    displayName: attributeString(entry, 'displayName'),
    enabled: !isAccountDisabled(attributeString(entry, 'userAccountControl')),
  };
}
