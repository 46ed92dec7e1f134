import type { PrismaClient } from '@skolkonto/persistence';

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
}
