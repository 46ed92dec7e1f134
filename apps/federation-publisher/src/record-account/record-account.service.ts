import type { PrismaClient } from '@skolkonto/persistence';
import { settleEach, type Settled } from '@skolkonto/messaging';

/** The part of a directory.<tenant>.account.* event the attribute API resolves principals by. */
export interface AccountSnapshot {
  identityId: string;
  tenant: string;
  identityVersion: number;
  /** AD objectGUID. */
  accountId: string;
  sAMAccountName: string;
  userPrincipalName: string;
}

/**
 * directory.* → the AD names of a person (sAMAccountName, UPN, objectGUID), so an IdP can ask for
 * attributes by whatever principal it has. Stored lower-case; AD compares them case-insensitively.
 * A deleted account stops resolving.
 */
export class RecordAccountService {
  constructor(private readonly prisma: PrismaClient) {}

  async applyAccount(account: AccountSnapshot, kind: 'present' | 'deleted'): Promise<'recorded' | 'stale'> {
    const name = kind === 'deleted' ? null : account.sAMAccountName.toLowerCase();
    const upn = kind === 'deleted' ? null : account.userPrincipalName.toLowerCase();
    const guid = kind === 'deleted' ? null : account.accountId.toLowerCase();
    // One statement: insert on first sight, otherwise update unless this event is older than what we have.
    const count = await this.prisma.$executeRaw`
      INSERT INTO federation_person (identity_id, tenant, account_name, user_principal_name, object_guid, directory_version)
      VALUES (${account.identityId}::uuid, ${account.tenant}, ${name}, ${upn}, ${guid}::uuid, ${account.identityVersion})
      ON CONFLICT (identity_id) DO UPDATE
        SET account_name = EXCLUDED.account_name, user_principal_name = EXCLUDED.user_principal_name,
            object_guid = EXCLUDED.object_guid, directory_version = EXCLUDED.directory_version, updated_at = now()
        WHERE federation_person.directory_version <= EXCLUDED.directory_version`;
    return count > 0 ? 'recorded' : 'stale';
  }

  /**
   * Many account events in one statement (a first load brings one per new account). Per identity
   * the newest directory version wins, the later of two equal ones, as when applied one by one.
   * Should the statement fail, each event is applied on its own, so one bad event fails alone.
   */
  async applyAccounts(events: Array<{ account: AccountSnapshot; kind: 'present' | 'deleted' }>): Promise<Array<Settled<'recorded' | 'stale'>>> {
    try {
      const recorded = await this.applyTogether(events);
      return events.map((event) => ({ value: recorded.has(event) ? 'recorded' : 'stale' }));
    } catch {
      return settleEach(events, ({ account, kind }) => this.applyAccount(account, kind));
    }
  }

  /** The events whose values were stored. */
  private async applyTogether<E extends { account: AccountSnapshot; kind: 'present' | 'deleted' }>(events: E[]): Promise<Set<E>> {
    const latest = new Map<string, E>();
    for (const event of events) {
      const seen = latest.get(event.account.identityId);
      if (!seen || seen.account.identityVersion <= event.account.identityVersion) latest.set(event.account.identityId, event);
    }
    const rows = [...latest.values()];
    const present = (kind: string, value: string) => (kind === 'deleted' ? null : value.toLowerCase());
    // ON CONFLICT touches each row once: hence one event per identity above.
    const stored = await this.prisma.$queryRawUnsafe<Array<{ identity_id: string }>>(
      `INSERT INTO federation_person (identity_id, tenant, account_name, user_principal_name, object_guid, directory_version)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::int[])
       ON CONFLICT (identity_id) DO UPDATE
         SET account_name = EXCLUDED.account_name, user_principal_name = EXCLUDED.user_principal_name,
             object_guid = EXCLUDED.object_guid, directory_version = EXCLUDED.directory_version, updated_at = now()
         WHERE federation_person.directory_version <= EXCLUDED.directory_version
       RETURNING identity_id::text`,
      rows.map((r) => r.account.identityId),
      rows.map((r) => r.account.tenant),
      rows.map((r) => present(r.kind, r.account.sAMAccountName)),
      rows.map((r) => present(r.kind, r.account.userPrincipalName)),
      rows.map((r) => present(r.kind, r.account.accountId)),
      rows.map((r) => r.account.identityVersion),
    );
    const storedIds = new Set(stored.map((row) => row.identity_id));
    return new Set(rows.filter((row) => storedIds.has(row.account.identityId.toLowerCase())));
  }
}
