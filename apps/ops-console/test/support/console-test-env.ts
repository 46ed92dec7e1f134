// A running ops-console for integration and browser tests: its own migrated database, its own
// NATS namespace with the six streams, listening on a free port.
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createPrismaClient, PrismaClient } from '@skolkonto/persistence';
import { loadConfig } from '@skolkonto/platform';
import { createTestDatabase, createTestJetStream, TestDatabase, TestJetStream, testEnv } from '@skolkonto/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../../src/app.module';
import { ConsoleConfig } from '../../src/config';
import { Role } from '../../src/auth/roles';
import { CreateOperatorService } from '../../src/operators/create-operator.service';
import { StreamWatcherService } from '../../src/stream-watch/stream-watcher.service';
import { RegisterSyncService } from '../../src/register-sync/register-sync.service';
import { WATCHED_STREAMS } from '../../src/stream-watch/observed-event';

export interface ConsoleTestEnv {
  app: INestApplication;
  baseUrl: string;
  db: TestDatabase;
  prisma: PrismaClient;
  nats: TestJetStream;
  config: ConsoleConfig;
  createOperator(username: string, role: Role, tenants?: 'all' | string[]): Promise<{ username: string; password: string }>;
  /** Publishes a CloudEvent on `<namespace>.<subject>`; returns its id. */
  publishEvent(subject: string, data: Record<string, unknown>, options?: { type?: string; entity?: string; id?: string }): Promise<string>;
  /** Stops the app and starts a new one on the same database and NATS namespace (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startConsole(label: string, extraEnv: Record<string, string> = {}): Promise<ConsoleTestEnv> {
  const db = await createTestDatabase({ prefix: 'console_test' });
  const nats = await createTestJetStream(label);
  for (const stream of WATCHED_STREAMS) {
    await nats.addStream({ name: nats.streamName(stream), subjects: [nats.subject(stream.toLowerCase(), '>')] });
  }
  const config = loadConfig(ConsoleConfig, {
    PORT: '0',
    DATABASE_URL: db.url,
    NATS_URL: testEnv().nats.url,
    NATS_NAMESPACE: nats.namespace,
    COOKIE_SECURE: 'false',
    CONSOLE_SESSION_SECRET: 'test-key-0123456789abcdef',
    NODE_ENV: 'test',
    ...extraEnv,
  });
  const boot = async (port = 0) => {
    const app = await NestFactory.create(AppModule.forRoot(config, []), { logger: ['error'] });
    app.enableShutdownHooks();
    await app.listen(port, '127.0.0.1');
    await app.get(StreamWatcherService).ready();
    await app.get(RegisterSyncService).ready();
    return app;
  };
  const app = await boot();
  const address = app.getHttpServer().address() as { port: number };
  const prisma = createPrismaClient(db.url, { poolSize: 2 });
  const env: ConsoleTestEnv = {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    db,
    prisma,
    nats,
    config,
    async createOperator(username, role, tenants = 'all') {
      const password = `pw-${randomUUID()}`;
      await new CreateOperatorService(prisma).create({ username, role, tenants, password });
      return { username, password };
    },
    async publishEvent(subject, data, options = {}) {
      const [domain, tenant, entity, verb] = subject.split('.');
      const id = options.id ?? randomUUID();
      const envelope = {
        id,
        source: '/skolkonto/test',
        specversion: '1.0',
        type: options.type ?? `se.skolkonto.${domain}.${entity}.${verb}.v1`,
        subject: options.entity ?? String(data.identityId ?? data.planId ?? id),
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data,
        tenant,
      };
      await nats.client.publish(nats.subject(subject), JSON.stringify(envelope), { msgID: id });
      return id;
    },
    async restart() {
      await this.app.close();
      // Same port, so signed-in clients and the base URL stay valid (sessions live in the database).
      this.app = await boot(address.port);
    },
    async close() {
      await this.app.close();
      await prisma.$disconnect();
      await nats.cleanup();
      await db.drop();
    },
  };
  return env;
}

/** A signed-in HTTP client: session cookie + CSRF token, as the web page holds them. */
export class ConsoleClient {
  private cookies = new Map<string, string>();
  csrfToken?: string;
  lastSetCookies: string[] = [];

  constructor(private readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async login(username: string, password: string): Promise<Response> {
    const res = await this.request('POST', '/api/auth/login', { username, password }, { 'X-Requested-With': 'skolkonto-console' });
    if (res.ok) this.csrfToken = ((await res.clone().json()) as { csrfToken: string }).csrfToken;
    return res;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const all: Record<string, string> = { ...headers };
    if (body !== undefined) all['Content-Type'] = 'application/json';
    if (this.cookies.size) all.Cookie = this.cookieHeader;
    if (method !== 'GET' && this.csrfToken && !('X-CSRF-Token' in headers)) all['X-CSRF-Token'] = this.csrfToken;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
    this.lastSetCookies = res.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
    return res;
  }

  async json<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.request(method, path, body);
    return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
  }
}

/** Polls until `check` returns a value (not undefined/false) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function aHeldPlan(tenant: string, overrides: Record<string, unknown> = {}) {
  return {
    planId: randomUUID(),
    tenant,
    sourceApp: 'ad-provisioner',
    reason: 'would disable 40 of 120 accounts (33 %)',
    thresholds: [{ kind: 'percent', limit: 10, actual: 33 }],
    operations: [
      { index: 0, action: 'disable', identityId: randomUUID(), target: 'CN=Åsa Öberg,OU=Elever,DC=skolkonto,DC=test', before: { enabled: true }, after: { enabled: false } },
      { index: 1, action: 'move', identityId: randomUUID(), target: 'CN=Bo Ek,OU=Elever,DC=skolkonto,DC=test', before: { ou: 'OU=Åk7' }, after: { ou: 'OU=Åk8', note: 'civic 20100101-1234' } },
    ],
    heldAt: new Date().toISOString(),
    ...overrides,
  };
}
