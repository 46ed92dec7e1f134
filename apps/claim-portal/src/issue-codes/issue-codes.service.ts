// The console's operator asks for claim codes for a person, a class or a school unit. Each code is
// generated here, shown once in the answer and stored only as its argon2id hash; the account's
// previous unused code is revoked in the same transaction. Every issue is audited and announced
// (ops.<t>.claimcode.issued, without the code).
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ClaimAccountModel as ClaimAccount, PrismaClient } from '@skolkonto/persistence';
import { CodeHasher } from '../claim-code/code-hasher';
import { claimMetrics } from '../claim-metrics';
import { formatClaimCode, generateClaimCode } from '../claim-code/claim-code';
import { claimCodeIssued, enqueue } from '../outbox/claim-events';
import { ClaimError } from '../shared/claim.errors';
import { type Now, systemNow } from '../shared/clock';

export type IssueScope =
  | { kind: 'person'; identityIds: string[] }
  | { kind: 'class'; groupId: string }
  | { kind: 'school'; schoolUnitCode: string };

export interface IssueRequest {
  tenant: string;
  scope: IssueScope;
  issuedBy: string;
  validForDays?: number;
}

export interface IssuedCode {
  identityId: string;
  accountName: string;
  displayName: string | null;
  className: string | null;
  schoolUnitCode: string | null;
  /** XXXXX-XXXXX; appears only in this answer. */
  code: string;
  expiresAt: string;
}

export type SkipReason =
  | 'unknown-identity'
  | 'no-account'
  | 'account-deleted'
  | 'account-disabled'
  | 'already-claimed'
  | 'locked-out';

export interface IssueResult {
  issued: IssuedCode[];
  skipped: Array<{ identityId: string; reason: SkipReason }>;
}

export class IssueCodesService {
  private readonly logger = new Logger(IssueCodesService.name);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly hasher: CodeHasher,
    private readonly options: { tenants: readonly string[]; defaultValidDays: number; now?: Now },
  ) {}

  async issue(request: IssueRequest): Promise<IssueResult> {
    if (!this.options.tenants.includes(request.tenant))
      throw new ClaimError('UNKNOWN_TENANT', `unknown tenant: ${request.tenant}`);
    const accounts = await this.resolve(request.tenant, request.scope);
    const skipped: IssueResult['skipped'] = [];
    const eligible: ClaimAccount[] = [];
    for (const account of accounts) {
      const reason = skipReason(account);
      if (reason) skipped.push({ identityId: account.identityId, reason });
      else eligible.push(account);
    }
    if (request.scope.kind === 'person') {
      const known = new Set(accounts.map((a) => a.identityId));
      for (const id of new Set(request.scope.identityIds))
        if (!known.has(id)) skipped.push({ identityId: id, reason: 'unknown-identity' });
    }

    const now = (this.options.now ?? systemNow)();
    const expiresAt = new Date(
      now.getTime() + (request.validForDays ?? this.options.defaultValidDays) * 86_400_000,
    );
    // Hash outside the transaction: argon2 is the slow part and holds no locks.
    const prepared: Array<{ account: ClaimAccount; id: string; code: string; codeHash: string }> = [];
    for (const account of eligible) {
      const code = generateClaimCode();
      prepared.push({ account, id: randomUUID(), code, codeHash: await this.hasher.hash(code) });
    }
    await this.prisma.$transaction(
      async (tx) => {
        // Lock the accounts (in one order, so two issues cannot deadlock): a concurrent issue for the
        // same account waits here and then revokes this code instead of breaking the one-active rule.
        const ids = prepared.map((p) => p.account.identityId).sort();
        if (ids.length > 0)
          await tx.$queryRaw`SELECT 1 FROM claim_account WHERE identity_id = ANY(${ids}::uuid[]) ORDER BY identity_id FOR UPDATE`;
        for (const { account, id, codeHash } of prepared) {
          const previous = await tx.claimCode.updateManyAndReturn({
            where: { identityId: account.identityId, usedAt: null, revokedAt: null },
            data: { revokedAt: now },
            select: { id: true },
          });
          await tx.claimCode.create({
            data: {
              id,
              identityId: account.identityId,
              tenant: account.tenant,
              codeHash,
              issuedBy: request.issuedBy,
              scope: request.scope.kind,
              issuedAt: now,
              expiresAt,
            },
          });
          const audit = {
            tenant: account.tenant,
            identityId: account.identityId,
            accountName: account.accountName,
            actor: request.issuedBy,
            at: now,
          };
          await tx.claimAudit.createMany({
            data: [
              ...previous.map((p) => ({
                ...audit,
                action: 'revoked',
                claimCodeId: p.id,
                details: { reason: 'reissued', replacedBy: id },
              })),
              {
                ...audit,
                action: 'issued',
                claimCodeId: id,
                details: { scope: request.scope.kind, expiresAt: expiresAt.toISOString() },
              },
            ],
          });
          await enqueue(
            tx,
            claimCodeIssued(
              {
                claimCodeId: id,
                tenant: account.tenant,
                identityId: account.identityId,
                sAMAccountName: account.accountName!,
                issuedBy: request.issuedBy,
                scope: request.scope.kind,
                replacedPrevious: previous.length > 0,
                expiresAt,
              },
              now,
            ),
          );
        }
      },
      { timeout: 60_000 },
    );
    claimMetrics.issued(request.scope.kind, prepared.length);
    this.logger.log(
      {
        tenant: request.tenant,
        scope: request.scope.kind,
        issued: prepared.length,
        skipped: skipped.length,
        issuedBy: request.issuedBy,
      },
      'claim codes issued',
    );
    const issued = prepared
      .map(({ account, code }) => ({
        identityId: account.identityId,
        accountName: account.accountName!,
        displayName: account.displayName,
        className: account.className,
        schoolUnitCode: account.classSchoolUnitCode ?? account.schoolUnitCodes[0] ?? null,
        code: formatClaimCode(code),
        expiresAt: expiresAt.toISOString(),
      }))
      .sort(
        (a, b) =>
          (a.className ?? '').localeCompare(b.className ?? '', 'sv') ||
          (a.displayName ?? a.accountName).localeCompare(b.displayName ?? b.accountName, 'sv'),
      );
    return { issued, skipped };
  }

  private async resolve(tenant: string, scope: IssueScope): Promise<ClaimAccount[]> {
    switch (scope.kind) {
      case 'person':
        return this.prisma.claimAccount.findMany({
          where: { tenant, identityId: { in: [...new Set(scope.identityIds)] } },
        });
      case 'class': {
        const accounts = await this.prisma.claimAccount.findMany({
          where: { tenant, classGroupId: scope.groupId },
        });
        if (accounts.length === 0)
          throw new ClaimError('UNKNOWN_GROUP', `no class ${scope.groupId} in tenant ${tenant}`);
        return accounts;
      }
      case 'school': {
        const accounts = await this.prisma.claimAccount.findMany({
          where: { tenant, schoolUnitCodes: { has: scope.schoolUnitCode } },
        });
        if (accounts.length === 0)
          throw new ClaimError(
            'UNKNOWN_SCHOOL',
            `no school unit ${scope.schoolUnitCode} in tenant ${tenant}`,
          );
        return accounts;
      }
    }
  }
}

function skipReason(account: ClaimAccount): SkipReason | undefined {
  if (!account.accountName || !account.distinguishedName) return 'no-account';
  if (account.deletedAt) return 'account-deleted';
  if (!account.enabled) return 'account-disabled';
  if (account.claimed) return 'already-claimed';
  // An operator unlocks first (and so sees that someone has been guessing).
  if (account.lockedAt) return 'locked-out';
  return undefined;
}
