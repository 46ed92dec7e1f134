/// <reference lib="dom" />
// First sign-in in a real browser (Debian's chromium via playwright-core): an operator sees claimed /
// unclaimed / locked-out per class, issues claim codes for a class and gets one printable letter per
// person (account name, code, validity, the claim page; never a password), unlocks an account; a
// viewer gets no buttons and a 403 if they try anyway. The claim portal is a real HTTP server
// implementing its internal admin API contract. Screenshots and the printed PDF go to
// test-artifacts/ops-console/.
import { repositoryRoot } from '@skolkonto/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { aClass, ClaimAdminDouble, startClaimAdminDouble } from './support/claim-admin-double';
import { ConsoleTestEnv, startConsole } from './support/console-test-env';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(repositoryRoot, 'test-artifacts', 'ops-console');
const CLAIM_PAGE = 'https://konto.skara.example/claim';

describe('claim codes in the console, in a browser', () => {
  let env: ConsoleTestEnv;
  let portal: ClaimAdminDouble;
  let browser: Browser;
  const class7a = aClass('7A', 4);
  const class9c = aClass('9C', 3);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    portal = await startClaimAdminDouble('skara', [...class7a, ...class9c]);
    env = await startConsole('console-claims-browser', { CLAIM_ADMIN_URL: portal.url, CLAIM_ADMIN_TOKEN: portal.token, CLAIM_PUBLIC_URL: CLAIM_PAGE });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await portal?.close();
  });

  async function signIn(who: { username: string; password: string }): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${env.baseUrl}/#/claims`);
    await page.fill('input[name=username]', who.username);
    await page.fill('input[name=password]', who.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    return page;
  }

  it('issues codes for a class and shows one printable letter per person', async () => {
    const operator = await env.createOperator('karin', 'operator', ['skara']);
    const page = await signIn(operator);
    await page.click('[data-testid=tab-claims]');
    const row = '[data-testid=claim-class][data-class-name="7A"]';
    await page.waitForSelector(row, { timeout: 5000 });
    // Claimed, unclaimed, locked out: one claimed, three not, one of them locked out.
    expect((await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent))).slice(2, 5)).toEqual(['1', '3', '1']);
    await page.screenshot({ path: join(ARTIFACTS, 'claims-1-status.png'), fullPage: true });

    await page.fill('[data-testid=claims-valid-days]', '10');
    await page.click(`${row} [data-testid=issue-class]`);
    await page.waitForSelector('[data-testid=letter]', { timeout: 5000 });
    const letters = await page.$$eval('[data-testid=letter]', (nodes) =>
      nodes.map((n) => ({
        account: n.querySelector('[data-testid=letter-account]')?.textContent,
        code: n.querySelector('[data-testid=letter-code]')?.textContent,
        url: n.querySelector('[data-testid=letter-url]')?.textContent,
        text: n.textContent ?? '',
      })),
    );
    // One letter per unclaimed pupil of 7A; the claimed one is skipped and said so.
    expect(letters.map((l) => l.account).sort()).toEqual(class7a.slice(1).map((a) => a.accountName).sort());
    for (const letter of letters) {
      expect(letter.code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      expect(letter.url).toBe(CLAIM_PAGE);
      expect(letter.text).toContain('Giltig till · Valid until');
      expect(letter.text).not.toMatch(/lösenord:|password:/i);
    }
    expect(await page.textContent('[data-testid=letters-skipped]')).toContain('already claimed');
    expect(portal.requests.at(-1)?.body).toMatchObject({ issuedBy: 'karin', validForDays: 10, scope: { kind: 'class', groupId: class7a[0]!.groupId } });
    await page.screenshot({ path: join(ARTIFACTS, 'claims-2-letters.png'), fullPage: true });

    // Printed: only the letters, one page each.
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('[data-testid=letters-toolbar]')).toBe(false);
    expect(await page.isVisible('header')).toBe(false);
    expect(await page.$eval('[data-testid=letter]', (n) => getComputedStyle(n).breakAfter)).toBe('page');
    const pdf = await page.pdf({ path: join(ARTIFACTS, 'claims-3-letters.pdf'), format: 'A4' });
    expect(pdf.length).toBeGreaterThan(1000);
    await page.emulateMedia({ media: 'screen' });

    // Closed, the codes are gone from the page for good.
    await page.click('[data-testid=close-letters]');
    await page.waitForSelector('[data-testid=claim-classes]');
    expect(await page.$$('[data-testid=letter]')).toHaveLength(0);

    // Unlock the locked-out pupil.
    const locked = `[data-testid=lockout][data-account="${class7a[1]!.accountName}"]`;
    await page.click(`${locked} [data-testid=unlock]`);
    await page.waitForSelector(locked, { state: 'detached', timeout: 5000 });
    expect((await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent)))[4]).toBe('0');
    await page.close();
  });

  it('gives a viewer the counts but no way to issue codes, and a 403 when they try', async () => {
    const viewer = await env.createOperator('viggo', 'viewer', ['skara']);
    const page = await signIn(viewer);
    await page.click('[data-testid=tab-claims]');
    await page.waitForSelector('[data-testid=claim-class][data-class-name="9C"]', { timeout: 5000 });
    expect(await page.$$('[data-testid=issue-class]')).toHaveLength(0);
    expect(await page.$$('[data-testid=unlock]')).toHaveLength(0);
    const status = await page.evaluate(async (groupId) => {
      const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('sk_console_csrf='))!.split('=')[1]!);
      const res = await fetch('/api/claims/codes', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ tenant: 'skara', scope: { kind: 'class', groupId } }),
      });
      return res.status;
    }, class9c[0]!.groupId);
    expect(status).toBe(403);
    await page.screenshot({ path: join(ARTIFACTS, 'claims-4-viewer.png'), fullPage: true });
    await page.close();
  });
});
