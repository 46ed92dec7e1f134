// directory.* (the AD account: name, DN, objectGUID, enabled) and identity.* (names, class, school
// units) → claim-portal's view of each account. Each side keeps its own version, so a redelivered or
// older event never overwrites a newer one; an account that is disabled or deleted loses its codes.
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import type { PrismaClient } from '@skolkonto/persistence';

/** The part of a directory.<tenant>.account.* event this app keeps. */
export interface AccountSnapshot {
  identityId: string;
  tenant: string;
  identityVersion: number;
  accountId: string;
  sAMAccountName: string;
  distinguishedName: string;
  enabled: boolean;
  occurredAt: string;
}

export type AccountChange = 'present' | 'disabled' | 'deleted';

export class LearnAccountsService {
  constructor(private readonly prisma: PrismaClient) {}

  async applyAccount(account: AccountSnapshot, change: AccountChange): Promise<'applied' | 'stale'> {
    const enabled = change === 'present' ? account.enabled : false;
    const deleted = change === 'deleted';
    return this.prisma.$transaction(async (tx) => {
      // One identity version can cause several account events (updated, then disabled), each through its
      // own durable consumer: within a version, the later occurredAt wins.
      const count = await tx.$executeRaw`
        INSERT INTO claim_account (identity_id, tenant, account_name, account_name_key, distinguished_name, object_guid, enabled, deleted_at,
                                   directory_version, directory_occurred_at)
        VALUES (${account.identityId}::uuid, ${account.tenant}, ${account.sAMAccountName}, ${account.sAMAccountName.toLowerCase()},
                ${account.distinguishedName}, ${account.accountId}::uuid, ${enabled}, ${deleted ? new Date() : null}, ${account.identityVersion},
                ${new Date(account.occurredAt)})
        ON CONFLICT (identity_id) DO UPDATE
          SET tenant = EXCLUDED.tenant, account_name = EXCLUDED.account_name, account_name_key = EXCLUDED.account_name_key,
              distinguished_name = EXCLUDED.distinguished_name, object_guid = EXCLUDED.object_guid, enabled = EXCLUDED.enabled,
              deleted_at = EXCLUDED.deleted_at, directory_version = EXCLUDED.directory_version,
              directory_occurred_at = EXCLUDED.directory_occurred_at, updated_at = now()
          WHERE claim_account.directory_version < EXCLUDED.directory_version
             OR (claim_account.directory_version = EXCLUDED.directory_version
                 AND (claim_account.directory_occurred_at IS NULL OR claim_account.directory_occurred_at <= EXCLUDED.directory_occurred_at))`;
      if (count === 0) return 'stale';
      if (!enabled) {
        // A code for an account nobody can sign in to would only mislead: revoke it.
        const revoked = await tx.claimCode.findMany({
          where: { identityId: account.identityId, usedAt: null, revokedAt: null },
          select: { id: true },
        });
        if (revoked.length > 0) {
          await tx.claimCode.updateMany({
            where: { id: { in: revoked.map((c) => c.id) } },
            data: { revokedAt: new Date() },
          });
          await tx.claimAudit.createMany({
            data: revoked.map((code) => ({
              tenant: account.tenant,
              identityId: account.identityId,
              accountName: account.sAMAccountName,
              action: 'revoked',
              actor: 'system',
              claimCodeId: code.id,
              details: { reason: deleted ? 'account-deleted' : 'account-disabled' },
            })),
          });
        }
      }
      return 'applied';
    });
  }

  async applyIdentity(identity: PersonIdentityV1): Promise<'applied' | 'stale'> {
    const schoolUnitCodes = [...new Set(identity.schoolUnits.map((unit) => unit.schoolUnitCode))].sort();
    const klass = identity.class;
    const count = await this.prisma.$executeRaw`
      INSERT INTO claim_account (identity_id, tenant, display_name, given_name, sn, protected_identity, identity_status,
                                 class_group_id, class_name, class_school_unit_code, school_unit_codes, identity_version)
      VALUES (${identity.identityId}::uuid, ${identity.tenant}, ${identity.names.displayName}, ${identity.names.givenName},
              ${identity.names.familyName}, ${identity.names.protected}, ${identity.status}, ${klass?.groupId ?? null}::uuid,
              ${klass?.displayName ?? null}, ${klass?.schoolUnitCode ?? null}, ${schoolUnitCodes}::text[], ${identity.version})
      ON CONFLICT (identity_id) DO UPDATE
        SET display_name = EXCLUDED.display_name, given_name = EXCLUDED.given_name, sn = EXCLUDED.sn,
            protected_identity = EXCLUDED.protected_identity, identity_status = EXCLUDED.identity_status,
            class_group_id = EXCLUDED.class_group_id, class_name = EXCLUDED.class_name,
            class_school_unit_code = EXCLUDED.class_school_unit_code, school_unit_codes = EXCLUDED.school_unit_codes,
            identity_version = EXCLUDED.identity_version, updated_at = now()
        WHERE claim_account.identity_version < EXCLUDED.identity_version`;
    return count > 0 ? 'applied' : 'stale';
  }
}
