/// <reference lib="dom" />
// The claim page in a real browser (Debian's chromium driven by playwright-core, as ops-console's
// browser test does; no browser download): a wrong code, then the right one, a refused password, a
// good one, and a bind in AD with it. Screenshots go to test-artifacts/claim-portal/ (gitignored).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@skolkonto/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type ClaimTestEnv, startClaimPortal, TENANT } from './support/claim-test-env';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(repositoryRoot, 'test-artifacts', 'claim-portal');

describe('claim page in a browser', () => {
  let env: ClaimTestEnv;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await startClaimPortal('claimbrowser');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 900, height: 900 }, locale: 'sv-SE' });
  });

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('claims an account: wrong code, right code, a refused and then a good password; the new password works in AD', async () => {
    // Created as with PROVISIONER_MUST_CHANGE_PASSWORD=true: the reset clears it, the bind works.
    const person = await env.addAccount({ givenName: 'Åsa', sn: 'Öberg', mustChangePassword: true });
    const issued = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'person', identityIds: [person.identityId] },
      issuedBy: 'birgitta',
    });
    const code = issued.body.issued[0].code as string;
    const violations: string[] = [];
    page.on('console', (message) => {
      // 4xx answers (a refused password is 422) are logged too; only CSP refusals matter here.
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
        violations.push(message.text());
    });

    await page.goto(env.publicUrl);
    expect(await page.textContent('h1')).toBe('Aktivera ditt konto');
    await page.screenshot({ path: join(ARTIFACTS, '1-start.png'), fullPage: true });

    await page.fill('#accountName', person.accountName);
    await page.fill('#code', 'ABCDE-FGHJK');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toContain('Kontonamnet eller koden stämmer inte');
    expect(await page.content()).not.toContain('Öberg');
    await page.screenshot({ path: join(ARTIFACTS, '2-wrong-code.png'), fullPage: true });

    await page.fill('#code', code.toLowerCase());
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=hello]');
    expect(await page.textContent('[data-testid=hello]')).toBe('Hej Åsa Öberg!');
    await page.screenshot({ path: join(ARTIFACTS, '3-choose-password.png'), fullPage: true });

    await page.fill('#password', 'Asa-oberg-2024!');
    await page.fill('#confirmation', 'Asa-oberg-2024!');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toContain(
      'Lösenordet får inte innehålla ditt namn.',
    );
    await page.screenshot({ path: join(ARTIFACTS, '4-password-refused.png'), fullPage: true });

    const password = 'Kanel-Regn-Tåg-77';
    await page.fill('#password', password);
    await page.fill('#confirmation', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=done]');
    expect(await page.textContent('main')).toContain(`kontonamnet ${person.accountName}`);
    await page.screenshot({ path: join(ARTIFACTS, '5-done.png'), fullPage: true });

    await expect(env.directory.verifyCredentials(person.dn, password)).resolves.toBeUndefined();
    // The stylesheet loaded under the strict CSP, and nothing was blocked.
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth)).toBe(
      '480px',
    );
    expect(violations).toEqual([]);
  });

  it('switches to English', async () => {
    await page.goto(env.publicUrl);
    await page.click('[data-testid=other-language]');
    await page.waitForSelector('h1:has-text("Activate your account")');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.fill('#accountName', 'nobody');
    await page.fill('#code', 'ABCDE-FGHJK');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toContain(
      'The account name or the code is not right',
    );
    await page.screenshot({ path: join(ARTIFACTS, '6-english.png'), fullPage: true });
  });
});
