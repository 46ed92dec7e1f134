// Keyed hashes (HMAC-SHA256 with CLAIM_SESSION_SECRET): CSRF tokens bound to the session cookie, and
// the only form in which session ids, tickets, client IPs and typed account names are stored.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class ClaimKeys {
  constructor(private readonly secret: string) {}

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}\0${value}`).digest('base64url');
  }

  newToken(): string {
    return randomBytes(32).toString('base64url');
  }

  csrfToken(sessionId: string): string {
    return this.mac('csrf', sessionId);
  }

  /** Constant-time comparison of the submitted CSRF token with the one of this session. */
  csrfMatches(sessionId: string | undefined, submitted: unknown): boolean {
    if (!sessionId || typeof submitted !== 'string') return false;
    const expected = createHash('sha256').update(this.csrfToken(sessionId)).digest();
    const actual = createHash('sha256').update(submitted).digest();
    return timingSafeEqual(expected, actual);
  }

  sessionKey(sessionId: string): string {
    return this.mac('session', sessionId);
  }

  ticketKey(ticket: string): string {
    return this.mac('ticket', ticket);
  }

  ipKey(ip: string): string {
    return this.mac('ip', ip);
  }

  accountKey(typedAccountName: string): string {
    return this.mac('account', typedAccountName);
  }
}
