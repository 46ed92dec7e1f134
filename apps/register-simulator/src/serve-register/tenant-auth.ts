// Per-tenant credentials of the simulated registers, from the same config/tenants.yaml the
// ingest reads: bearer token, API key header, or OAuth2 client credentials (this server then
// issues the access tokens itself at /tenants/<tenant>/oauth2/token).
import { randomBytes } from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';

export type TenantCredential =
  | { type: 'bearer'; token: string }
  | { type: 'apiKey'; header: string; key: string }
  | { type: 'oauth2'; clientId: string; clientSecret: string }
  | { type: 'none' };

export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected === '') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export class TenantAuth {
  private readonly issued = new Map<string, { tenant: string; expires: number }>();

  constructor(private readonly credentials: Map<string, TenantCredential>) {}

  knows(tenant: string): boolean {
    return this.credentials.has(tenant);
  }

  /** True when the request carries this tenant's credential. */
  allows(tenant: string, headers: Record<string, string | string[] | undefined>): boolean {
    const credential = this.credentials.get(tenant);
    if (!credential) return false;
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    const bearer =
      authorization && /^Bearer\s+/i.test(authorization)
        ? authorization.replace(/^Bearer\s+/i, '')
        : undefined;
    switch (credential.type) {
      case 'none':
        return true;
      case 'bearer':
        return sameSecret(bearer, credential.token);
      case 'apiKey': {
        const value = headers[credential.header.toLowerCase()];
        return sameSecret(typeof value === 'string' ? value : undefined, credential.key);
      }
      case 'oauth2': {
        const token = bearer ? this.issued.get(bearer) : undefined;
        return !!token && token.tenant === tenant && token.expires > Date.now();
      }
    }
  }

  /** OAuth2 client-credentials grant; undefined when the client is not this tenant's. */
  issueToken(
    tenant: string,
    clientId: string | undefined,
    clientSecret: string | undefined,
    lifetimeSeconds: number,
  ): { access_token: string; token_type: 'Bearer'; expires_in: number } | undefined {
    const credential = this.credentials.get(tenant);
    if (credential?.type !== 'oauth2') return undefined;
    if (!sameSecret(clientId, credential.clientId) || !sameSecret(clientSecret, credential.clientSecret))
      return undefined;
    const token = randomBytes(24).toString('base64url');
    this.issued.set(token, { tenant, expires: Date.now() + lifetimeSeconds * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: lifetimeSeconds };
  }

  /** Invalidates every token issued so far (tests of a register that revokes tokens). */
  revokeTokens(): void {
    this.issued.clear();
  }
}
