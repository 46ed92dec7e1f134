// Boots the real register simulator (Nest, HTTP on a free port) on a fresh database for one test
// file, with tenants and tokens of the test's choosing, and gives typed access to its two APIs.
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, parseTenants } from '@skolkonto/platform';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../../src/app.module';
import { SimulatorConfig } from '../../src/config';
import { SubscriptionsService } from '../../src/notify-subscribers/subscriptions.service';

export interface HarnessTenant {
  id: string;
  name?: string;
  municipalityCode: string;
  persons: number;
  auth?: {
    type: 'bearer' | 'apiKey' | 'oauth2' | 'none';
    secret?: string;
    headerName?: string;
    clientId?: string;
  };
}

export interface SimulatorHarness {
  app: INestApplication;
  url: string;
  db: TestDatabase;
  adminToken: string;
  baseUrl(tenant: string): string;
  /** GET on a tenant's API with its bearer token; returns status and parsed body. */
  get(
    tenant: string,
    pathAndQuery: string,
    token?: string,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Waits until every webhook started so far has been delivered or given up. */
  webhooksSettled(): Promise<void>;
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export const TOKEN = (tenant: string) => `token-of-${tenant}-0123456789`;

export async function startSimulator(
  tenants: HarnessTenant[],
  options: { env?: Record<string, string>; db?: TestDatabase } = {},
): Promise<SimulatorHarness> {
  const db = options.db ?? (await createTestDatabase({ prefix: 'simulator' }));
  const adminToken = 'simulator-admin-0123456789';
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: '0',
    DATABASE_URL: db.url,
    SIM_ADMIN_TOKEN: adminToken,
    SIM_SEED: '4711',
    SIM_SCHOOL_YEAR_START: '2026',
    SIM_PERSONS: tenants.map((t) => `${t.id}=${t.persons}`).join(','),
    SIM_WEBHOOK_RETRIES: '0',
    SIM_WEBHOOK_TIMEOUT_MS: '2000',
    ...options.env,
  };
  const yaml = `tenants:\n${tenants
    .map((t) => {
      const auth = t.auth ?? { type: 'bearer', secret: TOKEN(t.id) };
      const secretEnv = `SIMTEST_SECRET_${t.id.toUpperCase()}`;
      if (auth.secret) env[secretEnv] = auth.secret;
      const extra = [
        auth.type !== 'none' ? `secretEnv: ${secretEnv}` : '',
        auth.headerName ? `headerName: ${auth.headerName}` : '',
        auth.clientId ? `clientId: ${auth.clientId}` : '',
        auth.type === 'oauth2' ? 'tokenUrl: http://127.0.0.1/unused' : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `  - id: ${t.id}
    name: ${t.name ?? t.id}
    municipalityCode: "${t.municipalityCode}"
    register:
      baseUrl: http://127.0.0.1/unused
      auth: { type: ${auth.type}${extra ? `, ${extra}` : ''} }
    directory: { ouName: ${t.id}, upnSuffix: skola.${t.id}.se }
    federation: { scope: ${t.id}.se }`;
    })
    .join('\n')}\n`;
  const config = loadConfig(SimulatorConfig, env);
  const app = await NestFactory.create(AppModule.forRoot(config, parseTenants(yaml, 'test tenants'), env), {
    logger: ['error', 'warn'],
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const parse = async (response: Response) => {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return body;
  };
  return {
    app,
    url,
    db,
    adminToken,
    baseUrl: (tenant) => `${url}/tenants/${tenant}/v2.1`,
    async get(tenant, pathAndQuery, token = TOKEN(tenant)) {
      const response = await fetch(`${url}/tenants/${tenant}/v2.1${pathAndQuery}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: response.status, body: await parse(response), headers: response.headers };
    },
    async admin(method, path, body) {
      const response = await fetch(`${url}/admin${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await parse(response) };
    },
    webhooksSettled: () => app.get(SubscriptionsService).settled(),
    async close(closeOptions = {}) {
      await app.close();
      if (!closeOptions.keepDatabase) await db.drop();
    },
  };
}
