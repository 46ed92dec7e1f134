import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EntraClaimsProviderConfig } from '../release-settings/release-settings';

export class EntraTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntraTokenError';
  }
}

interface Jwk extends JsonWebKey {
  kid?: string;
  kty?: string;
  use?: string;
}

const ALGORITHMS: Record<string, string> = { RS256: 'RSA-SHA256', RS384: 'RSA-SHA384', RS512: 'RSA-SHA512' };
const CLOCK_SKEW_SECONDS = 300;
const JWKS_TTL_MS = 60 * 60 * 1000;
const JWKS_MIN_REFRESH_MS = 60 * 1000;

function decodeSegment(segment: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new EntraTokenError('token is not a JWT');
}

/**
 * Validates the bearer token Entra ID sends to a custom claims provider, as Entra documents it: an
 * RS256 JWT signed by a key in the issuer's JWKS, with the configured issuer, our audience, and
 * azp (v2 tokens) or appid (v1) equal to the authentication events service; exp/nbf within 5 minutes
 * of skew. Returns the matching configuration (which names our tenant).
 */
export class EntraTokenVerifier {
  private readonly keys = new Map<string, { keys: Map<string, KeyObject>; loadedAt: number }>();

  constructor(
    private readonly providers: readonly EntraClaimsProviderConfig[],
    private readonly now: () => number = () => Date.now(),
  ) {}

  async verify(token: string): Promise<EntraClaimsProviderConfig> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new EntraTokenError('token is not a JWT');
    const header = decodeSegment(parts[0]!);
    const claims = decodeSegment(parts[1]!);
    const algorithm = typeof header.alg === 'string' ? ALGORITHMS[header.alg] : undefined;
    if (!algorithm) throw new EntraTokenError('token algorithm must be RS256, RS384 or RS512');

    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const provider = this.providers.find(
      (candidate) => candidate.issuers.includes(String(claims.iss)) && audiences.some((aud) => candidate.audiences.includes(String(aud))),
    );
    if (!provider) throw new EntraTokenError('token issuer or audience is not configured');

    const key = await this.findKey(provider, typeof header.kid === 'string' ? header.kid : undefined);
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify(algorithm, signed, key, Buffer.from(parts[2]!, 'base64url'))) throw new EntraTokenError('token signature is invalid');

    const caller = typeof claims.azp === 'string' ? claims.azp : claims.appid;
    if (typeof caller !== 'string' || !provider.authorizedParties.includes(caller)) {
      throw new EntraTokenError('token azp/appid is not an authorized caller');
    }
    const nowSeconds = this.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS < nowSeconds) throw new EntraTokenError('token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_SECONDS > nowSeconds) throw new EntraTokenError('token is not yet valid');
    return provider;
  }

  private async findKey(provider: EntraClaimsProviderConfig, kid: string | undefined): Promise<KeyObject> {
    let cached = this.keys.get(provider.jwks);
    const stale = !cached || this.now() - cached.loadedAt > JWKS_TTL_MS;
    // An unknown kid means the issuer rolled its keys: reload, but not more than once a minute.
    const unknownKid = cached && kid !== undefined && !cached.keys.has(kid) && this.now() - cached.loadedAt > JWKS_MIN_REFRESH_MS;
    if (stale || unknownKid) {
      cached = { keys: await loadJwks(provider.jwks), loadedAt: this.now() };
      this.keys.set(provider.jwks, cached);
    }
    const keys = cached!.keys;
    const key = kid !== undefined ? keys.get(kid) : keys.size === 1 ? [...keys.values()][0] : undefined;
    if (!key) throw new EntraTokenError('token key id is not in the issuer JWKS');
    return key;
  }
}

async function loadJwks(location: string): Promise<Map<string, KeyObject>> {
  let text: string;
  if (/^https:\/\//.test(location)) {
    const response = await fetch(location, { signal: AbortSignal.timeout(1500) });
    if (!response.ok) throw new EntraTokenError(`JWKS ${location} answered ${response.status}`);
    text = await response.text();
  } else {
    text = await readFile(location, 'utf8');
  }
  const parsed = JSON.parse(text) as { keys?: Jwk[] };
  const keys = new Map<string, KeyObject>();
  for (const jwk of parsed.keys ?? []) {
    if (jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    keys.set(jwk.kid ?? '', createPublicKey({ key: jwk, format: 'jwk' }));
  }
  return keys;
}
