// The console against the real claim-portal, run as its own process (apps/claim-portal/dist) on the
// same PostgreSQL database and NATS namespace, as they are deployed: accounts the portal learned from
// directory and identity events get codes through the console; the code on the console's letter is
// the one the public claim page accepts; wrong codes lock an account, the console shows it per class
// and unlocks it.
import { EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { EventPublisher, resolveMessagingOptions } from '@skolkonto/messaging';
import { repositoryRoot, testEnv } from '@skolkonto/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ConsoleClient, ConsoleTestEnv, eventually, startConsole } from './support/console-test-env';

const PORTAL_MAIN = join(repositoryRoot, 'apps/claim-portal/dist/main.js');
const TOKEN = `console-to-portal-${randomBytes(12).toString('hex')}`;
const MAX_FAILED = 3;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The public claim page as a browser without JavaScript uses it: a session cookie and the form's CSRF token. */
class ClaimPage {
  private cookie = '';
  private csrf = '';
  constructor(private readonly baseUrl: string) {}

  async submitCode(accountName: string, code: string): Promise<{ status: number; html: string }> {
    if (!this.csrf) await this.request('GET', '/');
    return this.request('POST', '/claim', new URLSearchParams({ csrf: this.csrf, accountName, code }).toString());
  }

  private async request(method: string, path: string, body?: string) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const html = await res.text();
    this.csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? this.csrf;
    return { status: res.status, html };
  }
}

describe('claim codes through the console with the real claim-portal', () => {
  let env: ConsoleTestEnv;
  let portal: ChildProcess | undefined;
  let portalOutput = '';
  let publicUrl: string;
  const groupId = randomUUID();
  const pupils = ['Alva', 'Bror', 'Clara'].map((givenName) => ({ identityId: randomUUID(), givenName, accountName: `cp${randomBytes(4).toString('hex')}` }));

  beforeAll(async () => {
    if (!existsSync(PORTAL_MAIN)) throw new Error(`${PORTAL_MAIN} is missing: build the claim-portal first (npx nx run @skolkonto/claim-portal:build)`);
    const adminPort = await freePort();
    env = await startConsole('console-real-portal', {
      CLAIM_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
      CLAIM_ADMIN_TOKEN: TOKEN,
      CLAIM_PUBLIC_URL: 'https://konto.skara.example/',
    });
    const { ldap, nats } = testEnv();
    portal = spawn(process.execPath, [PORTAL_MAIN], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: '0',
        CLAIM_ADMIN_PORT: String(adminPort),
        DATABASE_URL: env.db.url,
        NATS_URL: nats.url,
        NATS_NAMESPACE: env.nats.namespace,
        TENANTS_FILE: join(repositoryRoot, 'config/tenants.yaml'),
        CLAIM_ADMIN_TOKEN: TOKEN,
        CLAIM_SESSION_SECRET: randomBytes(24).toString('hex'),
        CLAIM_MAX_FAILED_ATTEMPTS: String(MAX_FAILED),
        LDAP_URL: ldap.url,
        LDAP_CA_FILE: ldap.caFile,
        LDAP_BIND_DN: ldap.bindDn,
        LDAP_BIND_PASSWORD: ldap.bindPassword,
        LDAP_BASE_DN: ldap.baseDn,
      },
    });
    portal.stdout!.on('data', (chunk) => (portalOutput += chunk));
    portal.stderr!.on('data', (chunk) => (portalOutput += chunk));
    const ports = await eventually(
      async () => {
        if (portal!.exitCode !== null) throw new Error(`claim-portal exited with ${portal!.exitCode}:\n${portalOutput.slice(-3000)}`);
        const publicPort = /claim-portal listening on http:\/\/[^:]+:(\d+)/.exec(portalOutput)?.[1];
        return publicPort && portalOutput.includes('admin API (internal)') && Number(publicPort);
      },
      60_000,
      'the claim-portal to listen',
    );
    publicUrl = `http://127.0.0.1:${ports}`;

    // What identity-normalizer and ad-provisioner announce for three pupils of one class.
    const publisher = new EventPublisher(env.nats.client, resolveMessagingOptions({ servers: nats.url, app: 'test', namespace: env.nats.namespace }));
    const sample = SAMPLE_EVENT_DATA.identityPersonChanged;
    for (const pupil of pupils) {
      const displayName = `${pupil.givenName} Lund`;
      await publisher.publish(EVENTS.identityPersonChanged, {
        tenant: 'skara',
        data: {
          ...sample,
          identityId: pupil.identityId,
          tenant: 'skara',
          version: 2,
          names: { givenName: pupil.givenName, familyName: 'Lund', displayName, protected: false },
          schoolUnits: [{ ...sample.schoolUnits[0]!, schoolUnitCode: '14959876' }],
          class: { groupId, displayName: '5B', schoolUnitCode: '14959876' },
        },
      });
      await publisher.publish(EVENTS.directoryAccountProvisioned, {
        tenant: 'skara',
        data: {
          identityId: pupil.identityId,
          tenant: 'skara',
          identityVersion: 2,
          accountId: randomUUID(),
          sAMAccountName: pupil.accountName,
          userPrincipalName: `${pupil.accountName}@skola.skara.se`,
          distinguishedName: `CN=${pupil.accountName},OU=Elever,OU=Skara,OU=Skolkonto,DC=skola,DC=test`,
          enabled: true,
          occurredAt: new Date().toISOString(),
          mode: 'created',
        },
      });
    }
  });

  afterAll(async () => {
    if (portal && portal.exitCode === null) {
      const exited = new Promise((resolve) => portal!.once('exit', resolve));
      portal.kill('SIGTERM');
      await exited;
    }
    await env?.close();
  });

  it('issues real codes for a class, which the claim page accepts; locks and unlocks an account', async () => {
    const operator = await env.createOperator('petra', 'operator', ['skara']);
    const client = new ConsoleClient(env.baseUrl);
    expect((await client.login(operator.username, operator.password)).status).toBe(200);
    const status = async () => (await client.json('GET', '/api/claims/status?tenant=skara')).body;
    const before = await eventually(async () => (await status()).classes?.find((c: any) => c.groupId === groupId && c.unclaimed === 3), 20_000, 'the portal to learn the class');
    expect(before).toMatchObject({ className: '5B', schoolUnitCode: '14959876', claimed: 0, lockedOut: 0 });

    const issued = await client.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'class', groupId }, validForDays: 5 });
    expect(issued.status).toBe(201);
    expect(issued.body.issued.map((c: any) => c.accountName).sort()).toEqual(pupils.map((p) => p.accountName).sort());
    const [first, second] = issued.body.issued as Array<{ accountName: string; code: string; expiresAt: string }>;
    expect(Math.abs(Date.parse(first!.expiresAt) - Date.now() - 5 * 86_400_000)).toBeLessThan(120_000);

    // The code on the letter is the one the portal accepts: it opens the password form.
    const accepted = await new ClaimPage(publicUrl).submitCode(first!.accountName, first!.code);
    expect(accepted.status).toBe(200);
    expect(accepted.html).toContain('name="ticket"');

    // Wrong codes lock the second pupil's account; the console shows it and unlocks it.
    const page = new ClaimPage(publicUrl);
    for (let i = 0; i < MAX_FAILED; i++) await page.submitCode(second!.accountName, 'WRONG-CODE1');
    const locked = await eventually(async () => (await status()).lockouts?.find((l: any) => l.accountName === second!.accountName), 5000, 'the lockout');
    expect(locked.failedAttempts).toBeGreaterThanOrEqual(MAX_FAILED);
    expect((await status()).classes.find((c: any) => c.groupId === groupId).lockedOut).toBe(1);

    const unlock = await client.request('POST', `/api/claims/lockouts/skara/${encodeURIComponent(second!.accountName)}/unlock`);
    expect(unlock.status).toBe(204);
    const after = await status();
    expect(after.lockouts.map((l: any) => l.accountName)).not.toContain(second!.accountName);
    expect(after.classes.find((c: any) => c.groupId === groupId).lockedOut).toBe(0);
    expect(await env.prisma.consoleAuditEntry.count({ where: { operator: 'petra', action: { in: ['claimcodes.issued', 'lockout.unlocked'] } } })).toBe(2);
    // The portal logged no code.
    for (const c of issued.body.issued) expect(portalOutput).not.toContain(c.code);
  });
});
