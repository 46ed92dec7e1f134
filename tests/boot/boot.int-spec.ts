import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, loadStackEnv, TestDatabase } from '@skolkonto/testing';
import { REPO_ROOT, runUntilExit, startApp } from './app-process';

/**
 * Every app validates its configuration before it starts: a missing DATABASE_URL, a malformed
 * tenants file or an unreachable NATS stops it with a message naming the field or endpoint and a
 * non-zero exit code; a good configuration gives a healthy /health.
 */
const APPS = [
  'register-simulator',
  'register-ingest',
  'identity-normalizer',
  'ad-provisioner',
  'federation-publisher',
  'ops-console',
  'claim-portal',
] as const;

function secret(): string {
  return randomBytes(18).toString('base64url');
}

function demoEnv(databaseUrl: string): Record<string, string> {
  loadStackEnv();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    NATS_NAMESPACE: `boot${randomBytes(3).toString('hex')}`,
    TENANTS_FILE: join(REPO_ROOT, 'config/tenants.yaml'),
    SIM_ADMIN_TOKEN: secret(),
    PROVISIONER_ADMIN_TOKEN: secret(),
    INGEST_API_TOKEN: secret(),
    FEDERATION_IDP_TOKEN: secret(),
    CONSOLE_SESSION_SECRET: secret(),
    INGEST_SCHEDULE_ENABLED: 'false',
    CLAIM_ADMIN_TOKEN: secret(),
    CLAIM_SESSION_SECRET: secret(),
    // Its second (admin) listener on a free port too, so parallel runs never collide.
    CLAIM_ADMIN_PORT: '0',
  };
  for (const tenant of ['LIDKOPING', 'SKARA', 'GOTENE', 'ESSUNGA']) {
    env[`REGISTER_TOKEN_${tenant}`] = secret();
    env[`WEBHOOK_SECRET_${tenant}`] = secret();
    env[`FEDERATION_SECRET_${tenant}`] = secret();
  }
  for (const key of ['LDAP_URL', 'LDAP_CA_FILE', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_BASE_DN']) {
    if (process.env[key]) env[key] = process.env[key]!;
  }
  return env;
}

describe('app boot and configuration', () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = demoEnv(database.url);
  });

  afterAll(async () => {
    await database?.drop();
  });

  // The simulator stands in for a register: it does not use NATS, so it is not in this list.
  it.each(APPS.filter((app) => app !== 'register-simulator'))(
    '%s stops with exit code 3 naming NATS_URL and the endpoint when NATS is unreachable',
    async (app) => {
      const result = await runUntilExit(app, { ...env, NATS_URL: 'nats://127.0.0.1:1' });
      expect(result.code).toBe(3);
      expect(result.output).toMatch(/NATS_URL: cannot reach 127\.0\.0\.1:1/);
    },
  );

  it('claim-portal stops with exit code 2 naming CLAIM_ADMIN_TOKEN and CLAIM_SESSION_SECRET when they are missing or short', async () => {
    const { CLAIM_ADMIN_TOKEN: _token, ...withoutToken } = env;
    const result = await runUntilExit('claim-portal', { ...withoutToken, CLAIM_SESSION_SECRET: 'short' });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/CLAIM_ADMIN_TOKEN/);
    expect(result.output).toMatch(/CLAIM_SESSION_SECRET: must be at least 16 characters/);
    expect(result.output).not.toContain(env.CLAIM_SESSION_SECRET);
  });

  it('claim-portal exits on a SIGTERM sent as soon as it listens (its admin API closes with the app, not by a signal handler of its own that could miss the signal during boot)', async () => {
    for (let round = 0; round < 3; round++) {
      const running = await startApp('claim-portal', env);
      const stopped = await Promise.race([
        running.stop().then(() => 'exited'),
        new Promise((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000)),
      ]);
      expect(stopped).toBe('exited');
    }
  }, 120_000);

  describe.each(APPS)('%s', (app) => {
    it('stops with exit code 2 naming DATABASE_URL when it is missing', async () => {
      const { DATABASE_URL: _omitted, ...withoutDatabase } = env;
      const result = await runUntilExit(app, withoutDatabase);
      expect(result.code).toBe(2);
      expect(result.output).toMatch(/DATABASE_URL/);
    });

    it('stops with exit code 2 naming the file and field when the tenants file is malformed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
      const file = join(dir, 'tenants.yaml');
      writeFileSync(
        file,
        'tenants:\n  - id: skara\n    name: Skara kommun\n    municipalityCode: "14950"\n    register: { baseUrl: http://127.0.0.1:3006/x, auth: { type: none } }\n    directory: { ouName: Skara, upnSuffix: skola.skara.se }\n    federation: { scope: skara.se }\n',
      );
      const result = await runUntilExit(app, { ...env, TENANTS_FILE: file });
      expect(result.code).toBe(2);
      expect(result.output).toContain(file);
      expect(result.output).toMatch(/tenants\[skara\]\.municipalityCode/);
    });

    it('stops with exit code 2 naming CLOCK_FILE when a test clock is set in production', async () => {
      const result = await runUntilExit(app, {
        ...env,
        NODE_ENV: 'production',
        CLOCK_FILE: join(tmpdir(), 'clock'),
      });
      expect(result.code).toBe(2);
      expect(result.output).toMatch(
        /CLOCK_FILE: is a test clock and must not be set when NODE_ENV=production/,
      );
    });

    it('comes up healthy with a good configuration', async () => {
      const running = await startApp(app, env);
      try {
        const response = await fetch(`http://127.0.0.1:${running.port}/health`);
        const body = await response.text();
        expect([response.status, body]).toEqual([200, expect.stringContaining('"status":"ok"')]);
      } finally {
        await running.stop();
      }
    });
  });
});
