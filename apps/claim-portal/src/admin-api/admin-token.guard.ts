import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer CLAIM_ADMIN_TOKEN, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_TOKEN) token: string) {
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), this.expected))
      throw new UnauthorizedException('missing or wrong bearer token');
    return true;
  }
}
