// Pluggable register authentication, one provider per tenant. The spec declares HTTP bearer; real
// registers use a static token, an OAuth2 client-credentials token endpoint or an API-key header.
import { Ss12000Error } from './ss12000.errors';

export interface AuthProvider {
  /** Headers to add to a register request. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Called after the register answered 401: drop any cached credential so the next call fetches a new one. */
  invalidate?(): void;
}

export class StaticBearerAuth implements AuthProvider {
  constructor(private readonly token: string) {}

  async headers(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${this.token}` };
  }
}

export class ApiKeyAuth implements AuthProvider {
  constructor(
    private readonly key: string,
    private readonly headerName = 'x-api-key',
  ) {}

  async headers(): Promise<Record<string, string>> {
    return { [this.headerName.toLowerCase()]: this.key };
  }
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
  /** Fetch a new token this long before the current one expires. Default 60 s. */
  refreshBeforeExpiryMs?: number;
  /** Lifetime assumed when the token endpoint omits `expires_in`. Default 300 s. */
  defaultLifetimeMs?: number;
  /** Send client id/secret as HTTP Basic (default) or in the form body. */
  clientAuthentication?: 'basic' | 'body';
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** OAuth2 client-credentials grant (RFC 6749 §4.4) with a cached token refreshed before it expires. */
export class OAuth2ClientCredentialsAuth implements AuthProvider {
  private token?: { value: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(private readonly options: ClientCredentialsOptions) {}

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.accessToken(signal)}` };
  }

  invalidate(): void {
    this.token = undefined;
  }

  async accessToken(signal?: AbortSignal): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.token && now < this.token.refreshAt) return this.token.value;
    // Concurrent callers share one token request.
    this.pending ??= this.requestToken(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async requestToken(signal?: AbortSignal): Promise<string> {
    const o = this.options;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (o.scope) body.set('scope', o.scope);
    if (o.audience) body.set('audience', o.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if ((o.clientAuthentication ?? 'basic') === 'basic') {
      const basic = `${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    } else {
      body.set('client_id', o.clientId);
      body.set('client_secret', o.clientSecret);
    }
    const timeout = AbortSignal.timeout(o.timeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await (o.fetch ?? fetch)(o.tokenUrl, {
        method: 'POST',
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw new Ss12000Error(
        'AUTH',
        `token endpoint unreachable: ${(error as Error).message}`,
        {},
        { cause: error },
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Ss12000Error('AUTH', `token endpoint answered ${response.status}`, {
        status: response.status,
      });
    }
    const json = (await response.json().catch(() => undefined)) as
      { access_token?: unknown; expires_in?: unknown; token_type?: unknown } | undefined;
    if (!json || typeof json.access_token !== 'string' || json.access_token === '') {
      throw new Ss12000Error('AUTH', 'token endpoint answered without an access_token');
    }
    const lifetimeMs =
      typeof json.expires_in === 'number' && json.expires_in > 0
        ? json.expires_in * 1000
        : (o.defaultLifetimeMs ?? 300_000);
    const skew = Math.min(o.refreshBeforeExpiryMs ?? 60_000, lifetimeMs / 2);
    this.token = { value: json.access_token, refreshAt: (o.now ?? Date.now)() + lifetimeMs - skew };
    return json.access_token;
  }
}

/** Per-tenant register auth as it appears in config/tenants.yaml. */
export type AuthConfig =
  | { type: 'bearer'; token: string }
  | { type: 'apiKey'; key: string; header?: string }
  | ({ type: 'oauth2ClientCredentials' } & Omit<ClientCredentialsOptions, 'fetch' | 'now'>)
  | { type: 'none' };

export function createAuthProvider(config: AuthConfig): AuthProvider {
  switch (config.type) {
    case 'bearer':
      return new StaticBearerAuth(config.token);
    case 'apiKey':
      return new ApiKeyAuth(config.key, config.header);
    case 'oauth2ClientCredentials':
      return new OAuth2ClientCredentialsAuth(config);
    case 'none':
      return { headers: async () => ({}) };
  }
}
