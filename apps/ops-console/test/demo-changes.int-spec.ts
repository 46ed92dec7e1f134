// The dashboard's demo button: the console asks a real register simulator (a separate process on its
// own database) for a school day's register changes, as `npm start` wires it.
import { loadConfig } from '@skolkonto/platform';
import { repositoryRoot } from '@skolkonto/testing';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startSimulator, type SimulatorProcess } from '../../register-ingest/test/support/simulator-process';
import { ConsoleConfig } from '../src/config';
import { ConsoleClient, ConsoleTestEnv, startConsole } from './support/console-test-env';

const TENANTS = [
  { id: 'skara', municipalityCode: '1495', persons: 60, token: 'skara-register-token-0123456789' },
  { id: 'lidkoping', municipalityCode: '1494', persons: 60, token: 'lidkoping-register-token-0123456789' },
  { id: 'gotene', municipalityCode: '1471', persons: 40, token: 'gotene-register-token-0123456789' },
];

describe('demo register changes from the console', () => {
  let simulator: SimulatorProcess;
  let env: ConsoleTestEnv;
  let bare: ConsoleTestEnv;

  beforeAll(async () => {
    simulator = await startSimulator(TENANTS);
    env = await startConsole('console-demo', {
      DEMO_REGISTER_URL: simulator.url,
      DEMO_REGISTER_TOKEN: 'simulator-admin-token-0123456789',
    });
    bare = await startConsole('console-demo-off');
  }, 180_000);
  afterAll(async () => {
    await env?.close();
    await bare?.close();
    await simulator?.stop();
  });

  const signedIn = async (on: ConsoleTestEnv, username: string, role: 'viewer' | 'operator' | 'admin', tenants: 'all' | string[] = 'all') => {
    const who = await on.createOperator(username, role, tenants);
    const client = new ConsoleClient(on.baseUrl);
    expect((await client.login(who.username, who.password)).status).toBe(200);
    return client;
  };

  it('an operator makes a school day of changes in the simulator, sees them listed, and they are audited', async () => {
    const client = await signedIn(env, 'olle', 'operator');
    expect((await client.json('GET', '/api/demo/settings')).body).toEqual({ configured: true });

    const res = await client.json('POST', '/api/demo/school-day');

    expect(res.status).toBe(201);
    const changes = res.body.changes as Array<{ kind: string; tenant: string; personId: string; name: string; description: string; toPersonId?: string }>;
    expect(changes.map((c) => c.kind)).toEqual(['enrolled', 'class-changed', 'left', 'moved']);
    for (const c of changes) expect(c.description).toContain(c.name);
    // The changes are in the simulator's registers, read through its public API.
    const skara = await simulator.list('skara', 'persons');
    expect(skara.find((p) => p.id === changes[0]!.personId)).toMatchObject({ personStatus: 'Aktiv' });
    const lidkoping = await simulator.list('lidkoping', 'persons');
    const mover = skara.find((p) => p.id === changes[3]!.personId);
    expect(lidkoping.find((p) => p.id === changes[3]!.toPersonId)?.civicNo?.value).toBe(mover.civicNo.value);
    const leaver = (await simulator.list('gotene', 'persons')).find((p) => p.id === changes[2]!.personId);
    expect(leaver.enrolments.every((e: { endDate?: string }) => e.endDate !== undefined)).toBe(true);

    const audit = await env.prisma.consoleAuditEntry.findMany({ where: { action: 'demo.register-changed' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.operator, a.tenant, a.target])).toEqual(changes.map((c) => ['olle', c.tenant, `register-person:${c.personId}`]));
    // No names in the audit log.
    for (const c of changes) expect(JSON.stringify(audit.map((a) => a.detail))).not.toContain(c.name);
  });

  it('npm run demo:change (scripts/demo-change.mjs) makes the same changes and lists them', async () => {
    const before = (await simulator.list('skara', 'persons')).length;
    const { stdout } = await promisify(execFile)(process.execPath, [join(repositoryRoot, 'scripts/demo-change.mjs')], {
      env: { ...process.env, SIMULATOR_URL: simulator.url, SIMULATOR_ADMIN_TOKEN: 'simulator-admin-token-0123456789' },
    });
    expect(stdout).toMatch(/new pupil in Skara: .+\n.*class change in Lidköping: .+\n.*leaver in Götene: .+\n.*move from Skara to Lidköping: /);
    expect((await simulator.list('skara', 'persons')).length).toBe(before + 1);
  });

  it('refuses a viewer (403) and a POST without the CSRF token', async () => {
    const viewer = await signedIn(env, 'vera', 'viewer');
    expect((await viewer.json('GET', '/api/demo/settings')).body).toEqual({ configured: true });
    expect((await viewer.json('POST', '/api/demo/school-day')).status).toBe(403);
    const operator = await signedIn(env, 'oskar', 'operator');
    const noCsrf = await operator.request('POST', '/api/demo/school-day', undefined, { 'X-CSRF-Token': 'wrong' });
    expect(noCsrf.status).toBe(403);
    const scoped = await signedIn(env, 'sara', 'operator', ['skara']);
    const other = await scoped.json('POST', '/api/demo/school-day');
    expect(other.status).toBe(403);
    expect(other.body.message).toContain('lidkoping');
    expect(await env.prisma.consoleAuditEntry.count({ where: { operator: { in: ['vera', 'oskar', 'sara'] } } })).toBe(0);
  });

  it('is 404 and reported as off when the console has no demo register', async () => {
    const client = await signedIn(bare, 'otto', 'admin');
    expect((await client.json('GET', '/api/demo/settings')).body).toEqual({ configured: false });
    expect((await client.json('POST', '/api/demo/school-day')).status).toBe(404);
    const base = { DATABASE_URL: 'postgresql://x@127.0.0.1/x', NATS_URL: 'nats://127.0.0.1:4222', CONSOLE_SESSION_SECRET: 'test-key-0123456789abcdef' };
    expect(() => loadConfig(ConsoleConfig, { ...base, DEMO_REGISTER_URL: 'http://127.0.0.1:3006' })).toThrow(/DEMO_REGISTER_TOKEN/);
    // Empty values (a copied .env.example) mean unset.
    expect(loadConfig(ConsoleConfig, { ...base, DEMO_REGISTER_URL: '', DEMO_REGISTER_TOKEN: '' }).DEMO_REGISTER_URL).toBeUndefined();
  });

  it('reports a simulator that refuses or is gone without auditing anything', async () => {
    const wrongToken = await startConsole('console-demo-badtoken', { DEMO_REGISTER_URL: simulator.url, DEMO_REGISTER_TOKEN: 'not-the-admin-token' });
    const gone = await startConsole('console-demo-gone', { DEMO_REGISTER_URL: 'http://127.0.0.1:9', DEMO_REGISTER_TOKEN: 'x' });
    try {
      const refused = await (await signedIn(wrongToken, 'rut', 'operator')).json('POST', '/api/demo/school-day');
      expect(refused).toMatchObject({ status: 502, body: { message: expect.stringContaining('DEMO_REGISTER_TOKEN') } });
      const away = await (await signedIn(gone, 'rut', 'operator')).json('POST', '/api/demo/school-day');
      expect(away).toMatchObject({ status: 502, body: { message: expect.stringContaining('did not answer') } });
      expect(await wrongToken.prisma.consoleAuditEntry.count()).toBe(0);
    } finally {
      await wrongToken.close();
      await gone.close();
    }
  });

  it('in a browser: an operator clicks the button and sees the changes; a viewer has no button', async () => {
    const artifacts = join(repositoryRoot, 'test-artifacts', 'ops-console');
    mkdirSync(artifacts, { recursive: true });
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const signIn = async (page: Page, who: { username: string; password: string }) => {
      await page.goto(env.baseUrl);
      await page.fill('input[name=username]', who.username);
      await page.fill('input[name=password]', who.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=who]');
    };
    try {
      const operator = await env.createOperator('bodil', 'operator');
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await signIn(page, operator);
      await page.click('[data-testid=demo-school-day]');
      await page.waitForSelector('[data-testid=demo-change]', { timeout: 10_000 });
      const kinds = await page.$$eval('[data-testid=demo-change]', (items) => items.map((li) => li.getAttribute('data-kind')));
      expect(kinds).toEqual(['enrolled', 'class-changed', 'left', 'moved']);
      expect(await page.textContent('[data-testid=demo-change-list]')).toContain('move from Skara to Lidköping');
      await page.screenshot({ path: join(artifacts, 'demo-school-day.png'), fullPage: true });
      expect(await env.prisma.consoleAuditEntry.count({ where: { operator: 'bodil' } })).toBe(4);

      const viewer = await env.createOperator('vide', 'viewer');
      const viewerPage = await browser.newPage();
      // The button would appear once the settings answer (configured: true) arrives: wait for it.
      const settings = viewerPage.waitForResponse((r) => r.url().endsWith('/api/demo/settings'));
      await signIn(viewerPage, viewer);
      expect(await (await settings).json()).toEqual({ configured: true });
      await viewerPage.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)))');
      expect(await viewerPage.$('[data-testid=demo-school-day]')).toBeNull();
    } finally {
      await browser.close();
    }
  });
});
