// Starts the real register simulator (apps/register-simulator) as a separate process on its own
// fresh database, and talks to it only over HTTP: its SS 12000 API and its /admin API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';

const root = resolve(__dirname, '../../../..');

export interface SimulatedTenantSpec {
  id: string;
  municipalityCode: string;
  persons: number;
  /** Bearer token the register demands (and ingest sends). */
  token: string;
}

export interface SimulatorProcess {
  url: string;
  baseUrl(tenant: string): string;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** Every record of a list, read through the public API (as a register client would). */
  list<T = any>(tenant: string, path: 'persons' | 'groups' | 'organisations' | 'duties'): Promise<T[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export async function startSimulator(
  tenants: SimulatedTenantSpec[],
  options: { seed?: number; bootTimeoutMs?: number } = {},
): Promise<SimulatorProcess> {
  const db: TestDatabase = await createTestDatabase({ prefix: 'ingest_sim' });
  const dir = mkdtempSync(join(tmpdir(), 'ingest-sim-'));
  const tenantsFile = join(dir, 'tenants.yaml');
  writeFileSync(
    tenantsFile,
    `tenants:\n${tenants
      .map(
        (t) => `  - id: ${t.id}
    name: ${t.id}
    municipalityCode: "${t.municipalityCode}"
    register:
      baseUrl: http://127.0.0.1/unused
      auth: { type: bearer, secretEnv: SIM_TOKEN_${t.id.toUpperCase()} }
    directory: { ouName: ${t.id}, upnSuffix: skola.${t.id}.se }
    federation: { scope: ${t.id}.se }`,
      )
      .join('\n')}\n`,
  );
  const port = await freePort();
  const adminToken = 'simulator-admin-token-0123456789';
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    TENANTS_FILE: tenantsFile,
    // The alias alone, as npm start's demo.env names it (SIM_ADMIN_TOKEN empty): the simulator must accept it.
    SIM_ADMIN_TOKEN: '',
    SIMULATOR_ADMIN_TOKEN: adminToken,
    SIM_SEED: String(options.seed ?? 12000),
    SIM_PERSONS: tenants.map((t) => `${t.id}=${t.persons}`).join(','),
    SIM_RESEED_ON_BOOT: 'true',
    SIM_WEBHOOK_RETRIES: '0',
  };
  for (const t of tenants) env[`SIM_TOKEN_${t.id.toUpperCase()}`] = t.token;
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', join(__dirname, 'ts-require-hook.js'), join(root, 'apps/register-simulator/src/main.ts')],
    { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  // Seeding 20,000 persons takes a while on a busy machine.
  const bootTimeoutMs = options.bootTimeoutMs ?? 120_000;
  const deadline = Date.now() + bootTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`register simulator exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`register simulator did not answer /health within ${bootTimeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const tokenOf = (tenant: string) => tenants.find((t) => t.id === tenant)!.token;
  const simulator: SimulatorProcess = {
    url,
    baseUrl: (tenant) => `${url}/tenants/${tenant}/v2.1`,
    async admin(method, path, body) {
      const response = await fetch(`${url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`simulator admin ${method} ${path} answered ${response.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as never;
    },
    async list(tenant, path) {
      const out: any[] = [];
      let next = `${url}/tenants/${tenant}/v2.1/${path}?limit=5000`;
      for (let page = 0; page < 1000; page++) {
        const response = await fetch(next, { headers: { authorization: `Bearer ${tokenOf(tenant)}` } });
        if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
        const body = (await response.json()) as { data: any[]; pageToken?: string | null };
        out.push(...body.data);
        if (!body.pageToken) return out;
        next = `${url}/tenants/${tenant}/v2.1/${path}?limit=5000&pageToken=${encodeURIComponent(body.pageToken)}`;
      }
      throw new Error('too many pages');
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await db.drop();
    },
  };
  return simulator;
}
