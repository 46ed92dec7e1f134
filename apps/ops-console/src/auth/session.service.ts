// Sessions live in PostgreSQL so every replica accepts them and logging out is immediate. The
// browser holds a random token in an HTTP-only cookie; the table holds its SHA-256 only.
import { Inject, Injectable } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConsoleConfig } from '../config';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { consoleMetrics } from '../console-metrics';
import { isRole, Principal } from './roles';
import { verifyPassword } from './password-hasher';

export interface ActiveSession {
  principal: Principal;
  csrfToken: string;
}

const FAILED_LOGIN_LIMIT = 5;
const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;

export class LoginError extends Error {
  constructor(readonly code: 'INVALID_CREDENTIALS' | 'TOO_MANY_ATTEMPTS') {
    super(code === 'INVALID_CREDENTIALS' ? 'wrong username or password' : 'too many failed attempts; wait a while');
  }
}

@Injectable()
export class SessionService {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Checks the password and opens a session; the same answer whether the user or the password was wrong. */
  async login(usernameInput: string, password: string): Promise<ActiveSession & { token: string; expiresAt: Date }> {
    const username = usernameInput.trim().toLowerCase();
    const now = Date.now();
    const recent = (this.failures.get(username) ?? []).filter((t) => now - t < FAILED_LOGIN_WINDOW_MS);
    if (recent.length >= FAILED_LOGIN_LIMIT) throw new LoginError('TOO_MANY_ATTEMPTS');
    const operator = await this.prisma.consoleOperator.findUnique({ where: { username } });
    const ok = await verifyPassword(operator && !operator.disabled ? operator.passwordHash : undefined, password);
    if (!operator || !ok || operator.disabled) {
      this.failures.set(username, [...recent, now]);
      consoleMetrics.action('login-failed');
      throw new LoginError('INVALID_CREDENTIALS');
    }
    this.failures.delete(username);
    consoleMetrics.action('login');
    // Expired sessions are removed here rather than by a timer: logins are rare and cheap.
    await this.prisma.consoleSession.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + this.config.SESSION_TTL_HOURS * 3_600_000);
    await this.prisma.consoleSession.create({
      data: { tokenHash: hashToken(token), operatorId: operator.id, csrfToken, expiresAt },
    });
    return { token, csrfToken, expiresAt, principal: toPrincipal(operator) };
  }

  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token) return undefined;
    const session = await this.prisma.consoleSession.findUnique({
      where: { tokenHash: hashToken(token) },
      include: { operator: true },
    });
    if (!session || session.expiresAt.getTime() <= Date.now() || session.operator.disabled) return undefined;
    return { principal: toPrincipal(session.operator), csrfToken: session.csrfToken };
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.prisma.consoleSession.deleteMany({ where: { tokenHash: hashToken(token) } });
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function toPrincipal(operator: { id: string; username: string; role: string; allTenants: boolean; tenants: string[] }): Principal {
  return {
    id: operator.id,
    username: operator.username,
    role: isRole(operator.role) ? operator.role : 'viewer',
    tenants: operator.allTenants ? 'all' : operator.tenants,
  };
}
