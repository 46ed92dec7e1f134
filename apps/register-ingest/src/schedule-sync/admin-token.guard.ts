import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { secretsMatch } from '../receive-webhook/secrets-match';

export const ADMIN_TOKEN = Symbol('INGEST_API_TOKEN');

/** Operator endpoints: `Authorization: Bearer <INGEST_API_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    const header = request.headers['authorization'] ?? '';
    const presented = /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '') : undefined;
    if (!secretsMatch(presented, this.token)) throw new UnauthorizedException('operator token missing or wrong');
    return true;
  }
}
