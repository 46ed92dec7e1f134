// The claim-portal's internal admin API as the console calls it (contract in the claim-portal's
// README and the shared decisions): issue codes, read claim status per class, list and unlock
// locked-out accounts. The portal trusts the console's bearer token; who may do what is decided here.
import { Inject, Injectable } from '@nestjs/common';
import { currentTraceparent } from '@skolkonto/contracts';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';

export type ClaimScope = { kind: 'person'; identityIds: string[] } | { kind: 'class'; groupId: string } | { kind: 'school'; schoolUnitCode: string };

export interface IssuedCode {
  identityId: string;
  accountName: string;
  displayName: string;
  className: string | null;
  schoolUnitCode: string | null;
  /** Shown once to the operator and printed; never stored or logged by the console. */
  code: string;
  expiresAt: string;
}

export interface IssueResult {
  issued: IssuedCode[];
  skipped: Array<{ identityId: string; reason: string }>;
}

export interface ClassClaimStatus {
  groupId: string;
  className: string;
  schoolUnitCode: string;
  claimed: number;
  unclaimed: number;
  lockedOut: number;
}

export interface Lockout {
  accountName: string;
  lockedAt: string;
  failedAttempts: number;
}

export class ClaimAdminError extends Error {
  constructor(
    readonly code: 'NOT_CONFIGURED' | 'BAD_REQUEST' | 'NOT_FOUND' | 'REFUSED' | 'UNAVAILABLE',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const TIMEOUT_MS = 30_000;

@Injectable()
export class ClaimAdminClient {
  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  get configured(): boolean {
    return this.config.CLAIM_ADMIN_URL !== undefined;
  }

  get claimPageUrl(): string | undefined {
    return this.config.CLAIM_PUBLIC_URL;
  }

  issue(request: { tenant: string; scope: ClaimScope; issuedBy: string; validForDays?: number }): Promise<IssueResult> {
    return this.call('POST', '/internal/v1/claim-codes', request);
  }

  async classStatus(tenant: string): Promise<ClassClaimStatus[]> {
    return (await this.call<{ classes: ClassClaimStatus[] }>('GET', `/internal/v1/claim-status?tenant=${encodeURIComponent(tenant)}`)).classes;
  }

  async lockouts(tenant: string): Promise<Lockout[]> {
    return (await this.call<{ lockouts: Lockout[] }>('GET', `/internal/v1/lockouts?tenant=${encodeURIComponent(tenant)}`)).lockouts;
  }

  async unlock(tenant: string, accountName: string, unlockedBy: string): Promise<void> {
    await this.call('POST', `/internal/v1/lockouts/${encodeURIComponent(tenant)}/${encodeURIComponent(accountName)}/unlock`, { unlockedBy });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const base = this.config.CLAIM_ADMIN_URL;
    const token = this.config.CLAIM_ADMIN_TOKEN;
    if (!base || !token) throw new ClaimAdminError('NOT_CONFIGURED', 'claim codes are not configured on this console (CLAIM_ADMIN_URL)');
    let res: Response;
    try {
      res = await fetch(new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`), {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          // The portal's log lines for this call continue the operator's request trace.
          ...traceHeader(),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new ClaimAdminError('UNAVAILABLE', `the claim portal did not answer (${(error as Error).message})`, { cause: error });
    }
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (res.ok && json) return json as T;
    const message = typeof json?.message === 'string' ? json.message : `HTTP ${res.status}`;
    if (res.status === 400) throw new ClaimAdminError('BAD_REQUEST', message);
    if (res.status === 404) throw new ClaimAdminError('NOT_FOUND', message);
    // 401/403: the portal refused our token: a deployment problem, not the operator's.
    if (res.status === 401 || res.status === 403) throw new ClaimAdminError('REFUSED', 'the claim portal refused the console’s token (CLAIM_ADMIN_TOKEN)');
    throw new ClaimAdminError('UNAVAILABLE', `the claim portal failed: ${message}`);
  }
}

function traceHeader(): Record<string, string> {
  const traceparent = currentTraceparent();
  return traceparent ? { traceparent } : {};
}
