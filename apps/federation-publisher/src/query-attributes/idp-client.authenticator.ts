import { createHash, timingSafeEqual } from 'node:crypto';
import type { IdpClient, ReleaseSettings } from '../release-settings/release-settings';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Every attribute API call names its IdP client with a bearer token from config. Tokens are compared
 * as SHA-256 digests in constant time, so neither length nor content leaks through timing.
 */
export class IdpClientAuthenticator {
  private readonly clients: Array<{ client: IdpClient; digest: Buffer }>;

  constructor(settings: ReleaseSettings) {
    this.clients = settings.clients.map((client) => ({ client, digest: digest(client.token) }));
  }

  /** The client the Authorization header names, or why it names none. */
  authenticate(header: string | string[] | undefined): IdpClient | { refused: string } {
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) return { refused: 'a bearer token is required' };
    const presented = digest(match[1]!);
    let found: IdpClient | undefined;
    for (const entry of this.clients) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.client;
    }
    return found ?? { refused: 'unknown bearer token' };
  }
}
