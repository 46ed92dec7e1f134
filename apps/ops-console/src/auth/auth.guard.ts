// Every /api route is closed unless marked @Public(): no session → 401, a role too low or a
// missing/mismatching CSRF token on a state-changing request → 403.
import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { CSRF_COOKIE, CSRF_HEADER, readCookie, SESSION_COOKIE } from './cookies';
import { hasRole, Principal, Role } from './roles';
import { sameToken, SessionService } from './session.service';

const PUBLIC = 'console:public';
const ROLE = 'console:role';

export const Public = () => SetMetadata(PUBLIC, true);
export const RequireRole = (role: Role) => SetMetadata(ROLE, role);

export type AuthedRequest = Request & { principal: Principal };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    // /health and /metrics (libs/platform) answer the orchestrator and Prometheus, not people.
    if (!req.path.startsWith('/api/')) return true;
    const session = await this.sessions.resolve(readCookie(req, SESSION_COOKIE));
    if (!session) throw new UnauthorizedException('sign in first');
    if (!SAFE_METHODS.has(req.method)) {
      const header = req.header(CSRF_HEADER);
      // Double submit: the header must match both the cookie and the token bound to this session.
      if (!sameToken(header, session.csrfToken) || !sameToken(header, readCookie(req, CSRF_COOKIE))) {
        throw new ForbiddenException('missing or wrong CSRF token');
      }
    }
    const required = this.reflector.getAllAndOverride<Role | undefined>(ROLE, targets) ?? 'viewer';
    if (!hasRole(session.principal.role, required)) {
      throw new ForbiddenException(`needs the ${required} role`);
    }
    req.principal = session.principal;
    return true;
  }
}
