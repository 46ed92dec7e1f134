// The public claim: account name + code → (if right) a short-lived ticket bound to the browser session
// → the person's own password, set in AD over LDAPS; then the code is used, the account claimed and
// directory.<t>.account.claimed goes out through the outbox. Every wrong answer looks the same and
// costs one argon2 verify, whether the account exists or not; wrong codes lock the account after
// CLAIM_MAX_FAILED_ATTEMPTS, and submissions are rate limited per client IP and per typed name.
import { Logger } from '@nestjs/common';
import { DirectoryError, type LdapDirectory } from '@skolkonto/directory';
import type {
  ClaimAccountModel as ClaimAccount,
  ClaimCodeModel as ClaimCode,
  PrismaClient,
} from '@skolkonto/persistence';
import { CodeHasher } from '../claim-code/code-hasher';
import { normalizeClaimCode } from '../claim-code/claim-code';
import { claimMetrics } from '../claim-metrics';
import { accountClaimed, enqueue } from '../outbox/claim-events';
import { checkPassword, type PasswordProblem } from '../password-rules/password-rules';
import { type Now, systemNow } from '../shared/clock';
import type { ClaimKeys } from './claim-keys';
import type { DomainPasswordPolicyReader } from './domain-password-policy';

export interface ClaimLimits {
  maxFailedAttempts: number;
  perIp: number;
  perAccount: number;
  windowSeconds: number;
  ticketMinutes: number;
  minPasswordLength: number;
}

export type VerifyOutcome =
  | { outcome: 'accepted'; ticket: string; displayName: string; accountName: string }
  | { outcome: 'rejected' }
  | { outcome: 'rate-limited'; retryAfterSeconds: number };

export type SetPasswordOutcome =
  | { outcome: 'claimed'; accountName: string }
  | { outcome: 'invalid-ticket' }
  | { outcome: 'weak'; problems: PasswordProblem[]; displayName: string; accountName: string }
  | { outcome: 'refused-by-directory'; displayName: string; accountName: string };

/** "Name", "NAME@upn.suffix" or "DOMAIN\\name" → the lower-case sAMAccountName to look up. */
export function normalizeAccountName(input: string): string {
  let name = input.normalize('NFC').trim();
  const backslash = name.lastIndexOf('\\');
  if (backslash >= 0) name = name.slice(backslash + 1);
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  return name.toLowerCase().slice(0, 256);
}

export class ClaimAccountService {
  private readonly logger = new Logger(ClaimAccountService.name);
  private readonly now: Now;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly directory: LdapDirectory,
    private readonly policy: DomainPasswordPolicyReader,
    private readonly hasher: CodeHasher,
    private readonly keys: ClaimKeys,
    private readonly limits: ClaimLimits,
    now?: Now,
  ) {
    this.now = now ?? systemNow;
  }

  async verifyCode(input: {
    accountName: string;
    code: string;
    ip: string;
    sessionId: string;
  }): Promise<VerifyOutcome> {
    const now = this.now();
    const name = normalizeAccountName(input.accountName);
    const ipKey = this.keys.ipKey(input.ip);
    const accountKey = this.keys.accountKey(name);
    const limited = await this.rateLimited(ipKey, accountKey, now);
    if (limited) return limited;

    const candidates = name
      ? await this.prisma.claimAccount.findMany({ where: { accountNameKey: name, deletedAt: null }, take: 2 })
      : [];
    // sAMAccountName is unique in the domain; two rows would be a projection fault: answer as unknown.
    const account = candidates.length === 1 ? candidates[0] : undefined;
    // The same queries whether the account exists or not (a nil id finds nothing), so the database
    // adds no timing difference on top of the argon2 verify below.
    const active = await this.prisma.claimCode.findFirst({
      where: { identityId: account?.identityId ?? NIL_UUID, usedAt: null, revokedAt: null },
    });
    const code = normalizeClaimCode(input.code);
    // Always one argon2 verify: against the active code's hash, or a dummy when there is none.
    const matches = await this.hasher.verify(active?.codeHash, code ?? input.code.slice(0, 64));
    const usable = Boolean(
      account && active && code && matches && !account.lockedAt && account.enabled && active.expiresAt > now,
    );

    if (!usable || !account || !active) {
      await this.prisma.claimAttempt.create({ data: { ipKey, accountKey, outcome: 'rejected', at: now } });
      const wrong = !account?.lockedAt && !(matches && active && active.expiresAt > now);
      await this.countFailure(wrong ? account : undefined, now);
      return { outcome: 'rejected' };
    }
    const ticket = this.keys.newToken();
    await this.prisma.$transaction([
      this.prisma.claimAttempt.create({ data: { ipKey, accountKey, outcome: 'accepted', at: now } }),
      this.prisma.claimAccount.update({
        where: { identityId: account.identityId },
        data: { failedAttempts: 0 },
      }),
      this.prisma.claimTicket.create({
        data: {
          tokenHash: this.keys.ticketKey(ticket),
          sessionHash: this.keys.sessionKey(input.sessionId),
          identityId: account.identityId,
          claimCodeId: active.id,
          expiresAt: new Date(now.getTime() + this.limits.ticketMinutes * 60_000),
        },
      }),
    ]);
    return {
      outcome: 'accepted',
      ticket,
      displayName: account.displayName ?? account.accountName!,
      accountName: account.accountName!,
    };
  }

  /** The account and code a ticket opens, when the ticket is this session's, unused and in time. */
  async openTicket(
    ticket: string,
    sessionId: string,
  ): Promise<{ account: ClaimAccount; code: ClaimCode } | undefined> {
    if (!ticket || !sessionId) return undefined;
    const now = this.now();
    const row = await this.prisma.claimTicket.findUnique({
      where: { tokenHash: this.keys.ticketKey(ticket) },
    });
    if (!row || row.usedAt || row.expiresAt <= now || row.sessionHash !== this.keys.sessionKey(sessionId))
      return undefined;
    const code = await this.prisma.claimCode.findUnique({
      where: { id: row.claimCodeId },
      include: { account: true },
    });
    if (!code || code.usedAt || code.revokedAt || code.expiresAt <= now) return undefined;
    const { account, ...rest } = code;
    if (
      account.lockedAt ||
      !account.enabled ||
      account.deletedAt ||
      !account.distinguishedName ||
      !account.accountName
    )
      return undefined;
    return { account, code: rest };
  }

  async setPassword(input: {
    ticket: string;
    sessionId: string;
    password: string;
    confirmation: string;
  }): Promise<SetPasswordOutcome> {
    const opened = await this.openTicket(input.ticket, input.sessionId);
    if (!opened) return { outcome: 'invalid-ticket' };
    const { account, code } = opened;
    const shown = {
      displayName: account.displayName ?? account.accountName!,
      accountName: account.accountName!,
    };
    const policy = await this.policy.read();
    const problems = checkPassword(
      input.password,
      input.confirmation,
      {
        accountName: account.accountName!,
        givenName: account.givenName,
        sn: account.sn,
        displayName: account.displayName,
      },
      policy,
      this.limits.minPasswordLength,
    );
    if (problems.length > 0) return { outcome: 'weak', problems, ...shown };

    const now = this.now();
    try {
      await this.prisma.$transaction(
        async (tx) => {
          // Lock the code row: two sessions with the same code cannot both set a password.
          const locked = await tx.$queryRaw<Array<{ id: string }>>`
            SELECT id FROM claim_code WHERE id = ${code.id}::uuid AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ${now} FOR UPDATE`;
          if (locked.length === 0) throw new TicketGoneError();
          await this.directory.setPassword(account.distinguishedName!, input.password);
          await tx.claimCode.update({ where: { id: code.id }, data: { usedAt: now } });
          await tx.claimAccount.update({
            where: { identityId: account.identityId },
            data: { claimed: true, claimedAt: now, failedAttempts: 0 },
          });
          await tx.claimTicket.update({
            where: { tokenHash: this.keys.ticketKey(input.ticket) },
            data: { usedAt: now },
          });
          await tx.claimAudit.create({
            data: {
              tenant: account.tenant,
              identityId: account.identityId,
              accountName: account.accountName,
              action: 'used',
              actor: 'self-service',
              claimCodeId: code.id,
              at: now,
            },
          });
          await enqueue(
            tx,
            accountClaimed(
              {
                identityId: account.identityId,
                tenant: account.tenant,
                accountId: account.objectGuid!,
                sAMAccountName: account.accountName!,
                claimCodeId: code.id,
              },
              now,
            ),
          );
        },
        { timeout: 30_000 },
      );
    } catch (error) {
      if (error instanceof TicketGoneError) return { outcome: 'invalid-ticket' };
      if (error instanceof DirectoryError && error.code === 'CONSTRAINT') {
        // AD's own policy refused it (history, a rule we do not model): the code stays valid.
        this.logger.log(
          { tenant: account.tenant, identityId: account.identityId, ldapCode: error.ldapCode },
          'directory refused the chosen password',
        );
        return { outcome: 'refused-by-directory', ...shown };
      }
      throw error;
    }
    this.logger.log(
      { tenant: account.tenant, identityId: account.identityId, claimCodeId: code.id },
      'account claimed',
    );
    return { outcome: 'claimed', accountName: account.accountName! };
  }

  private async rateLimited(
    ipKey: string,
    accountKey: string,
    now: Date,
  ): Promise<VerifyOutcome | undefined> {
    const since = new Date(now.getTime() - this.limits.windowSeconds * 1000);
    const [byIp, byAccount] = await Promise.all([
      this.prisma.claimAttempt.count({ where: { ipKey, at: { gt: since } } }),
      this.prisma.claimAttempt.count({ where: { accountKey, at: { gt: since } } }),
    ]);
    if (byIp < this.limits.perIp && byAccount < this.limits.perAccount) return undefined;
    const key = byIp >= this.limits.perIp ? { ipKey } : { accountKey };
    const oldest = await this.prisma.claimAttempt.findFirst({
      where: { ...key, at: { gt: since } },
      orderBy: { at: 'asc' },
      select: { at: true },
    });
    const retryAfterSeconds = oldest
      ? Math.max(
          1,
          Math.ceil((oldest.at.getTime() + this.limits.windowSeconds * 1000 - now.getTime()) / 1000),
        )
      : this.limits.windowSeconds;
    this.logger.warn(
      { limit: byIp >= this.limits.perIp ? 'ip' : 'account', retryAfterSeconds },
      'claim attempts rate limited',
    );
    return { outcome: 'rate-limited', retryAfterSeconds };
  }

  /**
   * One more wrong code; at the limit the account locks until an operator unlocks it. Without an
   * account the same UPDATE runs and changes nothing (timing as above).
   */
  private async countFailure(account: ClaimAccount | undefined, now: Date): Promise<void> {
    const [row] = await this.prisma.$queryRaw<Array<{ failed_attempts: number; locked: boolean }>>`
      UPDATE claim_account
         SET failed_attempts = failed_attempts + 1,
             locked_at = CASE WHEN failed_attempts + 1 >= ${this.limits.maxFailedAttempts} THEN ${now}::timestamptz ELSE locked_at END
       WHERE identity_id = ${account?.identityId ?? NIL_UUID}::uuid AND locked_at IS NULL
       RETURNING failed_attempts, locked_at IS NOT NULL AS locked`;
    if (account && row?.locked) {
      claimMetrics.locked();
      await this.prisma.claimAudit.create({
        data: {
          tenant: account.tenant,
          identityId: account.identityId,
          accountName: account.accountName,
          action: 'locked',
          actor: 'system',
          details: { failedAttempts: row.failed_attempts },
          at: now,
        },
      });
      this.logger.warn(
        { tenant: account.tenant, identityId: account.identityId, failedAttempts: row.failed_attempts },
        'account locked after wrong claim codes',
      );
    }
  }
}

class TicketGoneError extends Error {}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
