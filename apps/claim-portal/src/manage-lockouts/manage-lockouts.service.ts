// What the console shows and does about claims: claimed/unclaimed/locked per class, the locked
// accounts, and an operator's unlock (audited). Reads and one small write; no events.
import { Logger } from '@nestjs/common';
import type { PrismaClient } from '@skolkonto/persistence';
import { ClaimError } from '../shared/claim.errors';

export interface ClassClaimStatus {
  groupId: string;
  className: string;
  schoolUnitCode: string | null;
  claimed: number;
  unclaimed: number;
  lockedOut: number;
}

export interface Lockout {
  accountName: string;
  lockedAt: string;
  failedAttempts: number;
}

export class ManageLockoutsService {
  private readonly logger = new Logger(ManageLockoutsService.name);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly tenants: readonly string[],
  ) {}

  /** Accounts that exist in AD (not deleted), grouped by the pupil's class. */
  async classStatus(tenant: string): Promise<ClassClaimStatus[]> {
    this.assertTenant(tenant);
    const rows = await this.prisma.$queryRaw<
      Array<{
        group_id: string;
        class_name: string | null;
        school_unit_code: string | null;
        claimed: bigint;
        unclaimed: bigint;
        locked_out: bigint;
      }>
    >`
      SELECT class_group_id::text AS group_id, max(class_name) AS class_name, max(class_school_unit_code) AS school_unit_code,
             count(*) FILTER (WHERE claimed) AS claimed, count(*) FILTER (WHERE NOT claimed) AS unclaimed,
             count(*) FILTER (WHERE locked_at IS NOT NULL) AS locked_out
      FROM claim_account
      WHERE tenant = ${tenant} AND class_group_id IS NOT NULL AND account_name IS NOT NULL AND deleted_at IS NULL
      GROUP BY class_group_id
      ORDER BY max(class_school_unit_code), max(class_name)`;
    return rows.map((r) => ({
      groupId: r.group_id,
      className: r.class_name ?? '',
      schoolUnitCode: r.school_unit_code,
      claimed: Number(r.claimed),
      unclaimed: Number(r.unclaimed),
      lockedOut: Number(r.locked_out),
    }));
  }

  async lockouts(tenant: string): Promise<Lockout[]> {
    this.assertTenant(tenant);
    const rows = await this.prisma.claimAccount.findMany({
      where: { tenant, lockedAt: { not: null }, accountName: { not: null } },
      orderBy: { lockedAt: 'asc' },
      select: { accountName: true, lockedAt: true, failedAttempts: true },
    });
    return rows.map((r) => ({
      accountName: r.accountName!,
      lockedAt: r.lockedAt!.toISOString(),
      failedAttempts: r.failedAttempts,
    }));
  }

  /** Clears the lock and the count of wrong codes; unlocking an account that is not locked changes nothing. */
  async unlock(tenant: string, accountName: string, unlockedBy: string): Promise<void> {
    this.assertTenant(tenant);
    const account = await this.prisma.claimAccount.findFirst({
      where: { tenant, accountNameKey: accountName.toLowerCase(), deletedAt: null },
    });
    if (!account) throw new ClaimError('UNKNOWN_ACCOUNT', `no account ${accountName} in tenant ${tenant}`);
    if (!account.lockedAt && account.failedAttempts === 0) return;
    await this.prisma.$transaction([
      this.prisma.claimAccount.update({
        where: { identityId: account.identityId },
        data: { lockedAt: null, failedAttempts: 0 },
      }),
      this.prisma.claimAudit.create({
        data: {
          tenant,
          identityId: account.identityId,
          accountName: account.accountName,
          action: 'unlocked',
          actor: unlockedBy,
          details: { wasLocked: account.lockedAt !== null, failedAttempts: account.failedAttempts },
        },
      }),
    ]);
    this.logger.log({ tenant, identityId: account.identityId, unlockedBy }, 'claim lockout cleared');
  }

  private assertTenant(tenant: string): void {
    if (!this.tenants.includes(tenant)) throw new ClaimError('UNKNOWN_TENANT', `unknown tenant: ${tenant}`);
  }
}
