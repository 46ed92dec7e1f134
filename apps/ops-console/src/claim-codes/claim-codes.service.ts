// Operators issue first-sign-in claim codes (issue 11) for a person, a class or a school, and unlock
// accounts locked after wrong codes. The console decides who may (role and tenant), the claim portal
// does it; the codes pass through to the operator's browser once and are never stored or logged here.
// Each action is written to the console's audit log with who, when and how many.
import { Injectable, Logger } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { canSeeTenant, Principal } from '../auth/roles';
import { ClaimAdminClient, ClaimScope, IssueResult } from './claim-admin.client';

export class ClaimCodesError extends Error {
  constructor(
    readonly code: 'INVALID' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
  }
}

export interface IssueCodesInput {
  tenant?: unknown;
  scope?: unknown;
  validForDays?: unknown;
}

/** Pure: the request body as the claim portal expects it, or a ClaimCodesError naming the bad field. */
export function parseIssueInput(input: IssueCodesInput): { tenant: string; scope: ClaimScope; validForDays?: number } {
  if (typeof input.tenant !== 'string' || !input.tenant) throw new ClaimCodesError('INVALID', 'tenant: required');
  const scope = (input.scope && typeof input.scope === 'object' ? input.scope : {}) as Record<string, unknown>;
  const validForDays = input.validForDays === undefined || input.validForDays === null || input.validForDays === '' ? undefined : Number(input.validForDays);
  if (validForDays !== undefined && (!Number.isInteger(validForDays) || validForDays < 1 || validForDays > 90)) {
    throw new ClaimCodesError('INVALID', 'validForDays: must be a whole number of days from 1 to 90');
  }
  const base = { tenant: input.tenant, ...(validForDays === undefined ? {} : { validForDays }) };
  switch (scope.kind) {
    case 'person':
      if (!Array.isArray(scope.identityIds) || scope.identityIds.length === 0 || !scope.identityIds.every((id) => typeof id === 'string' && id)) {
        throw new ClaimCodesError('INVALID', 'scope.identityIds: pick at least one person');
      }
      return { ...base, scope: { kind: 'person', identityIds: scope.identityIds as string[] } };
    case 'class':
      if (typeof scope.groupId !== 'string' || !scope.groupId) throw new ClaimCodesError('INVALID', 'scope.groupId: pick a class');
      return { ...base, scope: { kind: 'class', groupId: scope.groupId } };
    case 'school':
      if (typeof scope.schoolUnitCode !== 'string' || !scope.schoolUnitCode) throw new ClaimCodesError('INVALID', 'scope.schoolUnitCode: pick a school');
      return { ...base, scope: { kind: 'school', schoolUnitCode: scope.schoolUnitCode } };
    default:
      throw new ClaimCodesError('INVALID', "scope.kind: must be 'person', 'class' or 'school'");
  }
}

/** How the audit log names what codes were issued for (no personal data: ids and counts). */
export function describeScope(scope: ClaimScope): string {
  if (scope.kind === 'class') return `class:${scope.groupId}`;
  if (scope.kind === 'school') return `school:${scope.schoolUnitCode}`;
  return `persons:${scope.identityIds.length}`;
}

@Injectable()
export class ClaimCodesService {
  private readonly logger = new Logger(ClaimCodesService.name);

  constructor(
    private readonly claims: ClaimAdminClient,
    private readonly prisma: PrismaClient,
  ) {}

  settings() {
    return { configured: this.claims.configured, claimPageUrl: this.claims.configured ? (this.claims.claimPageUrl ?? null) : null };
  }

  async issue(principal: Principal, input: IssueCodesInput): Promise<IssueResult & { claimPageUrl: string | null }> {
    const request = parseIssueInput(input);
    this.assertTenant(principal, request.tenant);
    const result = await this.claims.issue({ ...request, issuedBy: principal.username });
    // The codes exist now, so they are returned even if the audit write fails (they cannot be shown again).
    await this.audit(principal, 'claimcodes.issued', request.tenant, describeScope(request.scope), {
      issued: result.issued.length,
      skipped: result.skipped.length,
      ...(request.validForDays ? { validForDays: request.validForDays } : {}),
      ...(request.scope.kind === 'person' ? { identityIds: request.scope.identityIds } : {}),
    });
    this.logger.log({ operator: principal.username, tenant: request.tenant, target: describeScope(request.scope), issued: result.issued.length, skipped: result.skipped.length, msg: 'claim codes issued' });
    return { issued: result.issued, skipped: result.skipped, claimPageUrl: this.claims.claimPageUrl ?? null };
  }

  async status(principal: Principal, tenant: string) {
    this.assertTenant(principal, tenant);
    const [classes, lockouts] = await Promise.all([this.claims.classStatus(tenant), this.claims.lockouts(tenant)]);
    return { tenant, classes, lockouts };
  }

  async unlock(principal: Principal, tenant: string, accountName: string): Promise<void> {
    this.assertTenant(principal, tenant);
    await this.claims.unlock(tenant, accountName, principal.username);
    await this.audit(principal, 'lockout.unlocked', tenant, `account:${accountName}`, {});
    this.logger.log({ operator: principal.username, tenant, msg: 'claim lockout unlocked' });
  }

  /** The console's audit log for the operator's tenants, newest first. */
  async auditLog(principal: Principal, tenant: string, limit = 50) {
    this.assertTenant(principal, tenant);
    const rows = await this.prisma.consoleAuditEntry.findMany({ where: { tenant }, orderBy: { id: 'desc' }, take: limit });
    return rows.map((r) => ({ operator: r.operator, action: r.action, tenant: r.tenant, target: r.target, detail: r.detail, at: r.at.toISOString() }));
  }

  private assertTenant(principal: Principal, tenant: string): void {
    if (!canSeeTenant(principal, tenant)) throw new ClaimCodesError('FORBIDDEN', `not allowed for tenant ${tenant}`);
  }

  private async audit(principal: Principal, action: string, tenant: string, target: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.prisma.consoleAuditEntry.create({ data: { operator: principal.username, action, tenant, target, detail: detail as object } });
    } catch (error) {
      this.logger.error({ action, tenant, msg: `audit entry not written: ${(error as Error).message}` });
    }
  }
}
