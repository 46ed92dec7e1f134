// federation.<tenant>.attributes.{published,revoked} → the tenant's AD accounts, through the tenant's
// attribute mapping. The values are stored per identity first (newest identity version wins), then
// written to the linked account; a person without an account yet gets them in the account's add.
import { DirectoryError, LdapDirectory, guidBaseDn, isAccountDisabled, attributeString } from '@skolkonto/directory';
import type { FederationAttributes } from '@skolkonto/contracts';
import { settleEach, type Settled } from '@skolkonto/messaging';
import type { AccountLinkModel as AccountLink, PrismaClient } from '@skolkonto/persistence';
import { TenantLayout } from '../directory-layout/tenant-layout';
import { EVENTS, enqueueProvisionerEvent } from '../shared/provisioner-events';
import { runConcurrently } from '../shared/run-concurrently';
import { DEFAULT_RETRY, RetryPolicy, withRetry } from '../shared/with-retry';
import { changesFor, directoryValuesOf, mappedAttributeNames, type DirectoryValues } from './directory-attribute-values';

export interface StoredDirectoryValues {
  identityVersion: number;
  values: DirectoryValues;
}

export type WriteOutcome = 'written' | 'unchanged' | 'stored' | 'stale';

/** One published set (or, with `attributes: null`, a revocation) for one identity. */
export interface AttributeWrite {
  layout: TenantLayout;
  identityId: string;
  identityVersion: number;
  attributes: FederationAttributes | null;
}

export class FederationAttributeWriter {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly directory: LdapDirectory,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** Accounts written side by side by applyMany (the LDAP pool's size). */
    private readonly concurrency = 4,
  ) {}

  /**
   * apply() for many events at once: one statement stores them all (per identity the newest version,
   * a later event winning a tie, as one by one would leave it; the others are `stale`), one query
   * finds their accounts, and only the identities that have one are written to AD, each on its own so
   * a refusal fails only its event. When the statement fails, each event is applied on its own.
   */
  async applyMany(writes: AttributeWrite[]): Promise<Array<Settled<WriteOutcome>>> {
    const outcomes = new Map<AttributeWrite, Settled<WriteOutcome>>();
    const newest = new Map<string, { write: AttributeWrite; values: DirectoryValues }>();
    for (const write of writes) {
      try {
        const values = directoryValuesOf(write.layout.tenant, write.attributes);
        const key = write.identityId.toLowerCase();
        const seen = newest.get(key);
        if (!seen || seen.write.identityVersion <= write.identityVersion) {
          if (seen) outcomes.set(seen.write, { value: 'stale' });
          newest.set(key, { write, values });
        } else {
          outcomes.set(write, { value: 'stale' });
        }
      } catch (error) {
        outcomes.set(write, { error });
      }
    }
    const candidates = [...newest.values()];
    let stored: Set<string>;
    try {
      stored = await this.storeMany(candidates);
    } catch {
      return settleEach(writes, ({ layout, identityId, identityVersion, attributes }) => this.apply(layout, identityId, identityVersion, attributes));
    }
    const linked = new Map<string, AccountLink>();
    try {
      const storedCandidates = candidates.filter(({ write }) => stored.has(write.identityId.toLowerCase()));
      const links = storedCandidates.length === 0 ? [] : await this.prisma.accountLink.findMany({ where: { deletedAt: null, OR: groupByTenant(storedCandidates) } });
      for (const link of links) linked.set(`${link.tenant}/${link.identityId.toLowerCase()}`, link);
    } catch (error) {
      // Stored already; a retry stores the same values again and writes them.
      for (const { write } of candidates) outcomes.set(write, { error });
      return writes.map((write) => outcomes.get(write)!);
    }
    const toWrite: Array<{ write: AttributeWrite; values: DirectoryValues; link: AccountLink }> = [];
    for (const { write, values } of candidates) {
      const link = linked.get(`${write.layout.id}/${write.identityId.toLowerCase()}`);
      if (!stored.has(write.identityId.toLowerCase())) outcomes.set(write, { value: 'stale' });
      else if (!link) outcomes.set(write, { value: 'stored' });
      else toWrite.push({ write, values, link });
    }
    await runConcurrently(toWrite, this.concurrency, async ({ write, values, link }) => {
      try {
        outcomes.set(write, { value: await this.writeToAccount(write.layout, write.identityId, values, link) });
      } catch (error) {
        outcomes.set(write, { error });
      }
    });
    return writes.map((write) => outcomes.get(write)!);
  }

  /** The identities (lower case) whose values were stored: the same rule as apply()'s statement. */
  private async storeMany(rows: Array<{ write: AttributeWrite; values: DirectoryValues }>): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const stored = await this.prisma.$queryRawUnsafe<Array<{ identity_id: string }>>(
      `INSERT INTO directory_attribute_values (identity_id, tenant, identity_version, "values", updated_at)
         SELECT identity_id, tenant, identity_version, "values", now()
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) AS t(identity_id, tenant, identity_version, "values")
       ON CONFLICT (identity_id) DO UPDATE
         SET identity_version = EXCLUDED.identity_version, "values" = EXCLUDED."values", updated_at = now()
         WHERE directory_attribute_values.tenant = EXCLUDED.tenant
           AND directory_attribute_values.identity_version <= EXCLUDED.identity_version
       RETURNING identity_id::text`,
      rows.map(({ write }) => write.identityId),
      rows.map(({ write }) => write.layout.id),
      rows.map(({ write }) => write.identityVersion),
      rows.map(({ values }) => JSON.stringify(values)),
    );
    return new Set(stored.map((row) => row.identity_id));
  }

  /**
   * Stores the values of a published set (or, with `null`, the clearing of a revocation) and brings
   * the linked account to them. `stored`: no account yet, its add will carry them; `stale`: a newer
   * identity version is already stored.
   */
  async apply(layout: TenantLayout, identityId: string, identityVersion: number, attributes: FederationAttributes | null): Promise<WriteOutcome> {
    const values = directoryValuesOf(layout.tenant, attributes);
    // The newest identity version wins; the same version again (a redelivery, or a revocation after
    // the publication of one version) replaces what is there.
    // The values just stored are written as they are: no second read per event (thousands of them
    // arrive during a first load, nearly all before their accounts exist).
    const stored = await this.prisma.$queryRaw<Array<{ identity_id: string }>>`
      INSERT INTO directory_attribute_values (identity_id, tenant, identity_version, "values", updated_at)
      VALUES (${identityId}::uuid, ${layout.id}, ${identityVersion}, ${JSON.stringify(values)}::jsonb, now())
      ON CONFLICT (identity_id) DO UPDATE
        SET identity_version = EXCLUDED.identity_version, "values" = EXCLUDED."values", updated_at = now()
        WHERE directory_attribute_values.tenant = EXCLUDED.tenant
          AND directory_attribute_values.identity_version <= EXCLUDED.identity_version
      RETURNING identity_id::text`;
    if (stored.length === 0) return 'stale';
    return this.write(layout, identityId, values);
  }

  /**
   * Writes the stored values to the identity's account when they differ from AD. Called after the
   * values were stored and after an account was linked: whichever of the two commits last sees the
   * other, so a value published while the account was being added is never lost.
   */
  async sync(layout: TenantLayout, identityId: string): Promise<WriteOutcome> {
    const row = await this.prisma.directoryAttributeValues.findUnique({ where: { identityId } });
    if (!row || row.tenant !== layout.id) return 'unchanged';
    return this.write(layout, identityId, row.values as DirectoryValues);
  }

  private async write(layout: TenantLayout, identityId: string, values: DirectoryValues): Promise<WriteOutcome> {
    const link = await this.prisma.accountLink.findUnique({ where: { tenant_identityId: { tenant: layout.id, identityId } } });
    if (!link || link.deletedAt) return 'stored';
    return this.writeToAccount(layout, identityId, values, link);
  }

  private async writeToAccount(layout: TenantLayout, identityId: string, values: DirectoryValues, link: AccountLink): Promise<WriteOutcome> {
    const entry = await withRetry(() => this.directory.findEntry(guidBaseDn(link.objectGuid), [...mappedAttributeNames(layout.tenant), 'userAccountControl']), this.retry);
    // A vanished account is the provisioner's business (adoption or a new add carries the values).
    if (!entry) return 'stored';
    layout.guard(entry.dn);
    const changes = changesFor(entry, values);
    if (changes.length === 0) return 'unchanged';
    try {
      await withRetry(() => this.directory.modify(entry.dn, changes), this.retry);
    } catch (error) {
      // A mapping naming an attribute AD does not have (or that a user may not hold) is the
      // operator's to fix; retrying the event would not help.
      if (isAttributeRefusal(error)) {
        throw new DirectoryMappingError(layout.id, changes.map((c) => c.attribute), (error as Error).message);
      }
      throw error;
    }
    await this.prisma.$transaction(async (tx) => {
      await enqueueProvisionerEvent(tx, EVENTS.directoryAccountUpdated, layout.id, {
        identityId,
        tenant: layout.id,
        identityVersion: link.identityVersion,
        accountId: link.objectGuid,
        sAMAccountName: link.sAMAccountName,
        userPrincipalName: link.upn,
        distinguishedName: entry.dn,
        enabled: !isAccountDisabled(attributeString(entry, 'userAccountControl')),
        occurredAt: new Date().toISOString(),
        changedAttributes: changes.map((change) => change.attribute),
      });
    });
    return 'written';
  }

  /** Stored values of many identities (for the adds of a batch). */
  async storedFor(tenant: string, identityIds: string[]): Promise<Map<string, StoredDirectoryValues>> {
    if (identityIds.length === 0) return new Map();
    const rows = await this.prisma.directoryAttributeValues.findMany({ where: { tenant, identityId: { in: identityIds } } });
    return new Map(rows.map((row) => [row.identityId, { identityVersion: row.identityVersion, values: row.values as DirectoryValues }]));
  }
}

function groupByTenant(rows: Array<{ write: AttributeWrite }>): Array<{ tenant: string; identityId: { in: string[] } }> {
  const byTenant = new Map<string, string[]>();
  for (const { write } of rows) {
    const ids = byTenant.get(write.layout.id);
    if (ids) ids.push(write.identityId);
    else byTenant.set(write.layout.id, [write.identityId]);
  }
  return [...byTenant].map(([tenant, ids]) => ({ tenant, identityId: { in: ids } }));
}

/**
 * AD refusing attributes themselves: not in the schema (Samba answers noSuchAttribute, 16; Windows
 * undefinedAttributeType, 17), not allowed on a user, or a value its syntax or arity rejects.
 */
export function isAttributeRefusal(error: unknown): boolean {
  return error instanceof DirectoryError && (error.code === 'CONSTRAINT' || error.code === 'INVALID_REQUEST' || error.ldapCode === 16);
}

export class DirectoryMappingError extends Error {
  constructor(
    readonly tenant: string,
    readonly attributes: string[],
    detail: string,
  ) {
    super(`AD refused the federation attributes ${attributes.join(', ')} of tenant ${tenant} (check federation.directoryAttributes): ${detail}`);
    this.name = 'DirectoryMappingError';
  }
}
