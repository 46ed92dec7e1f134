import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IdpClient, ReleaseSettings } from '../release-settings/release-settings';
import { RELEASE_SETTINGS } from './tokens';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  idpClient?: IdpClient;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Every attribute API call names its IdP client with a bearer token from config. Tokens are compared
 * as SHA-256 digests in constant time, so neither length nor content leaks through timing.
 */
@Injectable()
export class IdpClientGuard implements CanActivate {
  private readonly clients: Array<{ client: IdpClient; digest: Buffer }>;

  constructor(@Inject(RELEASE_SETTINGS) settings: ReleaseSettings) {
    this.clients = settings.clients.map((client) => ({ client, digest: digest(client.token) }));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required');
    const presented = digest(match[1]!);
    let found: IdpClient | undefined;
    for (const entry of this.clients) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.client;
    }
    if (!found) throw new UnauthorizedException('unknown bearer token');
    request.idpClient = found;
    return true;
  }
}
