import { timingSafeEqual, createHash } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';

export const ADMIN_TOKEN = Symbol('PROVISIONER_ADMIN_TOKEN');

/** Operator endpoints: `Authorization: Bearer <PROVISIONER_ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    const header = request.headers['authorization'] ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!match || !timingSafeEqual(digest(match[1]!), digest(this.token))) {
      throw new UnauthorizedException('operator token missing or wrong');
    }
    return true;
  }
}
