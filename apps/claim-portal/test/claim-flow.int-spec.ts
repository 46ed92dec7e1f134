// Given accounts that really exist in Samba AD (learned from directory.* and identity.* events), an
// operator issues codes through the admin API and a person claims the account on the public page:
// the password is set over LDAPS, a bind with it succeeds, the code is used up and the events go out.
// Every wrong answer — unknown account, wrong, reused, expired or revoked code, locked account — looks
// the same and costs an argon2 verify.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@skolkonto/testing';
import { type ClaimTestEnv, PageClient, startClaimPortal, TENANT, until } from './support/claim-test-env';

const ARTIFACTS = join(repositoryRoot, 'test-artifacts', 'claim-portal');
const GOOD_PASSWORD = 'Moln-Cykel-Sju-83';

/** The page a failure shows, without what differs per request (CSRF token, the echoed account name). */
function comparable(html: string): string {
  return html
    .replace(/name="csrf" value="[^"]*"/, '')
    .replace(/name="accountName"([^>]*)value="[^"]*"/, 'name="accountName"$1');
}

describe('claim-portal: issue and claim against Samba AD, PostgreSQL and NATS', () => {
  let env: ClaimTestEnv;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await startClaimPortal('claimflow', {
      CLAIM_MAX_FAILED_ATTEMPTS: '3',
      CLAIM_RATE_LIMIT_PER_IP: '8',
      CLAIM_RATE_LIMIT_PER_ACCOUNT: '6',
    });
  });

  afterAll(async () => {
    await env?.close();
  });

  async function issueFor(identityIds: string[], validForDays?: number) {
    const response = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'person', identityIds },
      issuedBy: 'birgitta',
      validForDays,
    });
    expect(response.status).toBe(201);
    return response.body as {
      issued: Array<{
        identityId: string;
        code: string;
        accountName: string;
        expiresAt: string;
        displayName: string;
        className: string;
        schoolUnitCode: string;
      }>;
      skipped: unknown[];
    };
  }

  it('issues codes for a class, and a person claims the account: a bind with the new password succeeds', async () => {
    const first = await env.addAccount({ className: '4A' });
    const second = await env.addAccount({
      classGroupId: first.classGroupId,
      className: '4A',
      givenName: 'Måns',
      sn: 'Berg',
    });
    const issued = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'class', groupId: first.classGroupId },
      issuedBy: 'birgitta',
    });
    expect(issued.status).toBe(201);
    expect(issued.body.skipped).toEqual([]);
    expect(issued.body.issued).toHaveLength(2);
    const mine = issued.body.issued.find((i: { identityId: string }) => i.identityId === first.identityId);
    expect(mine).toEqual({
      identityId: first.identityId,
      accountName: first.accountName,
      displayName: first.displayName,
      className: '4A',
      schoolUnitCode: first.schoolUnitCode,
      code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/),
      expiresAt: expect.any(String),
    });
    // Default validity: 14 days.
    expect(new Date(mine.expiresAt).getTime() - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
    // Only a hash is stored.
    const stored = await env.prisma.claimCode.findFirstOrThrow({ where: { identityId: first.identityId } });
    expect(stored.codeHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(stored)).not.toContain(mine.code.replace('-', ''));

    const client = new PageClient(env.publicUrl);
    const start = await client.get('/');
    expect(start.html).not.toContain(first.displayName);
    // Typed in lower case with a space instead of the dash, the account name in upper case.
    const codeTyped = mine.code.toLowerCase().replace('-', ' ');
    const afterCode = await client.submitCode(first.accountName.toUpperCase(), codeTyped);
    expect(afterCode.status).toBe(200);
    expect(afterCode.html).toContain(`Hej ${first.displayName}!`);
    expect(client.ticket).not.toBe('');

    const weak = await client.post('/claim/password', {
      ticket: client.ticket,
      password: 'Tove2024!xyz',
      confirmation: 'Tove2024!xyz',
    });
    expect(weak.status).toBe(422);
    expect(weak.error).toContain('Lösenordet får inte innehålla ditt namn.');
    const done = await client.post('/claim/password', {
      ticket: client.ticket,
      password: GOOD_PASSWORD,
      confirmation: GOOD_PASSWORD,
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Klart!');

    await expect(env.directory.verifyCredentials(first.dn, GOOD_PASSWORD)).resolves.toBeUndefined();
    const account = await env.prisma.claimAccount.findUniqueOrThrow({
      where: { identityId: first.identityId },
    });
    expect(account.claimed).toBe(true);
    expect(
      (await env.prisma.claimCode.findUniqueOrThrow({ where: { id: stored.id } })).usedAt,
    ).not.toBeNull();
    const audit = await env.prisma.claimAudit.findMany({
      where: { identityId: first.identityId },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['issued', 'birgitta'],
      ['used', 'self-service'],
    ]);

    const status = await env.admin('GET', `/internal/v1/claim-status?tenant=${TENANT}`);
    expect(status.status).toBe(200);
    expect(status.body.classes).toContainEqual({
      groupId: first.classGroupId,
      className: '4A',
      schoolUnitCode: first.schoolUnitCode,
      claimed: 1,
      unclaimed: 1,
      lockedOut: 0,
    });

    // Events: issued (twice, without the code) and claimed.
    const ops = await until(async () => {
      const events = (await env.published('OPS')).filter(
        (e) => e.subject === `ops.${TENANT}.claimcode.issued`,
      );
      return events.length >= 2 ? events : undefined;
    });
    expect(ops.map((e) => e.event.data.identityId).sort()).toEqual(
      [first.identityId, second.identityId].sort(),
    );
    for (const event of ops) {
      expect(event.event.data).toMatchObject({
        tenant: TENANT,
        issuedBy: 'birgitta',
        scope: 'class',
        replacedPrevious: false,
      });
      for (const i of issued.body.issued) {
        expect(event.raw).not.toContain(i.code);
        expect(event.raw).not.toContain(i.code.replace('-', ''));
      }
      expect(event.raw).not.toContain('argon2');
    }
    const claimed = await until(async () =>
      (await env.published('DIRECTORY')).find((e) => e.subject === `directory.${TENANT}.account.claimed`),
    );
    expect(claimed.event.data).toEqual({
      identityId: first.identityId,
      tenant: TENANT,
      accountId: first.accountId,
      sAMAccountName: first.accountName,
      claimCodeId: stored.id,
      claimedAt: expect.any(String),
    });

    // A used code answers like an unknown account.
    const reuse = await new PageClient(env.publicUrl).submitCode(first.accountName, mine.code);
    const unknown = await new PageClient(env.publicUrl).submitCode('nobody-here', mine.code);
    expect(reuse.status).toBe(unknown.status);
    expect(reuse.error).toBeDefined();
    expect(comparable(reuse.html)).toBe(comparable(unknown.html));
    // An already claimed account is skipped on reissue.
    expect((await issueFor([first.identityId])).skipped).toEqual([
      { identityId: first.identityId, reason: 'already-claimed' },
    ]);
  });

  it('answers a wrong, expired or revoked code exactly like an unknown account, after about the same time', async () => {
    const person = await env.addAccount();
    const other = await env.addAccount();
    const [old] = (await issueFor([person.identityId])).issued;
    const [current] = (await issueFor([person.identityId])).issued;
    expect(current!.code).not.toBe(old!.code);
    const [short] = (await issueFor([other.identityId], 1)).issued;

    // The reissued code works (and a success clears the count of wrong codes).
    const ok = await new PageClient(env.publicUrl).submitCode(person.accountName, current!.code);
    expect(ok.html).toContain(`Hej ${person.displayName}!`);

    const unknown = await new PageClient(env.publicUrl).submitCode('nobody-at-all', current!.code);
    const answers = {
      wrong: await new PageClient(env.publicUrl).submitCode(person.accountName, 'ABCDE-FGHJK'),
      revokedByReissue: await new PageClient(env.publicUrl).submitCode(person.accountName, old!.code),
      notACode: await new PageClient(env.publicUrl).submitCode(person.accountName, 'hello'),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, answer.status]).toEqual([name, unknown.status]);
      expect([name, comparable(answer.html)]).toEqual([name, comparable(unknown.html)]);
    }
    expect(unknown.error).toContain('Kontonamnet eller koden stämmer inte');
    // Three wrong answers reached CLAIM_MAX_FAILED_ATTEMPTS (3 here): locked, and still the same answer.
    expect(
      (await env.prisma.claimAccount.findUniqueOrThrow({ where: { identityId: person.identityId } }))
        .lockedAt,
    ).not.toBeNull();
    expect(
      comparable((await new PageClient(env.publicUrl).submitCode(person.accountName, current!.code)).html),
    ).toBe(comparable(unknown.html));

    env.advanceClock(2 * 86_400_000);
    try {
      const expired = await new PageClient(env.publicUrl).submitCode(other.accountName, short!.code);
      expect(comparable(expired.html)).toBe(comparable(unknown.html));
    } finally {
      env.advanceClock(-2 * 86_400_000);
    }

    // Timing: an unknown account costs an argon2 verify like a wrong code does.
    const timeOf = async (name: string, code: string) => {
      const client = new PageClient(env.publicUrl);
      await client.get('/');
      const started = process.hrtime.bigint();
      await client.post('/claim', { accountName: name, code });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const target = await env.addAccount();
    await issueFor([target.identityId]);
    const unknownMs: number[] = [];
    const wrongMs: number[] = [];
    for (let i = 0; i < 2; i++) {
      unknownMs.push(await timeOf(`nobody${i}`, 'ABCDE-FGHJK'));
      wrongMs.push(await timeOf(target.accountName, 'ABCDE-FGHJK'));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    writeFileSync(
      join(ARTIFACTS, 'verify-timing.json'),
      JSON.stringify({ unknownAccountMs: unknownMs, wrongCodeMs: wrongMs }) + '\n',
    );
    // Both include an argon2id verify (m=19 MiB, t=2); on a busy 2-core machine only a loose bound holds.
    expect(median(unknownMs)).toBeGreaterThan(median(wrongMs) * 0.4);
  });

  it('locks an account after the maximum of wrong codes until an operator unlocks it', async () => {
    const person = await env.addAccount();
    const [issued] = (await issueFor([person.identityId])).issued;
    for (let i = 0; i < 3; i++)
      await new PageClient(env.publicUrl).submitCode(person.accountName, 'ABCDE-FGHJK');
    // Locked: even the right code gets the same answer as any failure.
    const unknown = await new PageClient(env.publicUrl).submitCode('nobody-else', issued!.code);
    const locked = await new PageClient(env.publicUrl).submitCode(person.accountName, issued!.code);
    expect(comparable(locked.html)).toBe(comparable(unknown.html));

    const lockouts = await env.admin('GET', `/internal/v1/lockouts?tenant=${TENANT}`);
    expect(lockouts.body.lockouts).toContainEqual({
      accountName: person.accountName,
      lockedAt: expect.any(String),
      failedAttempts: 3,
    });
    const status = await env.admin('GET', `/internal/v1/claim-status?tenant=${TENANT}`);
    expect(
      status.body.classes.find((c: { groupId: string }) => c.groupId === person.classGroupId),
    ).toMatchObject({ lockedOut: 1 });
    // A locked account gets no new code until it is unlocked.
    expect((await issueFor([person.identityId])).skipped).toEqual([
      { identityId: person.identityId, reason: 'locked-out' },
    ]);

    const unlock = await env.admin(
      'POST',
      `/internal/v1/lockouts/${TENANT}/${person.accountName.toUpperCase()}/unlock`,
      { unlockedBy: 'birgitta' },
    );
    expect(unlock.status).toBe(204);
    expect(
      (await env.admin('GET', `/internal/v1/lockouts?tenant=${TENANT}`)).body.lockouts.map(
        (l: { accountName: string }) => l.accountName,
      ),
    ).not.toContain(person.accountName);
    const ok = await new PageClient(env.publicUrl).submitCode(person.accountName, issued!.code);
    expect(ok.html).toContain(`Hej ${person.displayName}!`);
    const audit = await env.prisma.claimAudit.findMany({
      where: { identityId: person.identityId },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['issued', 'locked', 'unlocked']);
  });

  it('keeps the code when AD refuses the password, and the person can choose another', async () => {
    const person = await env.addAccount({ givenName: 'Zebulon', sn: 'Quark' });
    const [issued] = (await issueFor([person.identityId])).issued;
    // A fine-grained password policy (PSO) on this account only: AD wants 40 characters, the domain 7.
    const pso = `CN=claimtest-${person.accountName},CN=Password Settings Container,CN=System,${person.dn.slice(person.dn.indexOf('DC='))}`;
    await env.directory.add(pso, {
      objectClass: ['top', 'msDS-PasswordSettings'],
      'msDS-PasswordSettingsPrecedence': '10',
      'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
      'msDS-PasswordHistoryLength': '0',
      'msDS-PasswordComplexityEnabled': 'TRUE',
      'msDS-MinimumPasswordLength': '40',
      'msDS-MinimumPasswordAge': '0',
      'msDS-MaximumPasswordAge': '-9223372036854775808',
      'msDS-LockoutThreshold': '0',
      'msDS-LockoutObservationWindow': '-18000000000',
      'msDS-LockoutDuration': '-18000000000',
      'msDS-PSOAppliesTo': person.dn,
    });
    const client = new PageClient(env.publicUrl);
    try {
      await client.submitCode(person.accountName, issued!.code);
      const refused = await client.post('/claim/password', {
        ticket: client.ticket,
        password: GOOD_PASSWORD,
        confirmation: GOOD_PASSWORD,
        lang: 'en',
      });
      expect(refused.status).toBe(422);
      expect(refused.error).toContain('did not accept this password');
      expect(refused.error).toContain('Your code is still valid');
      expect(
        (await env.prisma.claimCode.findFirstOrThrow({ where: { identityId: person.identityId } })).usedAt,
      ).toBeNull();
    } finally {
      await env.directory.delete(pso);
    }
    const done = await client.post('/claim/password', {
      ticket: client.ticket,
      password: GOOD_PASSWORD,
      confirmation: GOOD_PASSWORD,
    });
    expect(done.html).toContain('Klart!');
    await expect(env.directory.verifyCredentials(person.dn, GOOD_PASSWORD)).resolves.toBeUndefined();
  });

  it('rate limits code submissions per client IP and per account name', async () => {
    const fromOneIp = new PageClient(env.publicUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++)
      statuses.push((await fromOneIp.submitCode(`someone${i}`, 'ABCDE-FGHJK')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    const limited = await fromOneIp.submitCode('someone-new', 'ABCDE-FGHJK');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.error).toContain('För många försök');

    const sameName: number[] = [];
    for (let i = 0; i < 7; i++)
      sameName.push((await new PageClient(env.publicUrl).submitCode('popular-name', 'ABCDE-FGHJK')).status);
    expect(sameName).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });

  it('refuses a form without the session cookie or with a foreign CSRF token', async () => {
    const person = await env.addAccount();
    const [issued] = (await issueFor([person.identityId])).issued;
    const attacker = new PageClient(env.publicUrl);
    await attacker.get('/');
    const victim = new PageClient(env.publicUrl);
    await victim.get('/');
    victim.csrf = attacker.csrf;
    const forged = await victim.post('/claim', { accountName: person.accountName, code: issued!.code });
    expect(forged.status).toBe(403);
    expect(forged.html).not.toContain(person.displayName);
    const noCookie = await fetch(`${env.publicUrl}/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: attacker.csrf,
        accountName: person.accountName,
        code: issued!.code,
      }).toString(),
    });
    expect(noCookie.status).toBe(403);
    // A ticket from another session does not open the password form.
    const owner = new PageClient(env.publicUrl);
    await owner.submitCode(person.accountName, issued!.code);
    const thief = new PageClient(env.publicUrl);
    await thief.get('/');
    const stolen = await thief.post('/claim/password', {
      ticket: owner.ticket,
      password: GOOD_PASSWORD,
      confirmation: GOOD_PASSWORD,
    });
    expect(stolen.html).not.toContain('Klart!');
    expect(
      (await env.prisma.claimCode.findFirstOrThrow({ where: { identityId: person.identityId } })).usedAt,
    ).toBeNull();
  });

  it('sends strict security headers and an HttpOnly SameSite=Strict session cookie', async () => {
    const response = await fetch(`${env.publicUrl}/?lang=en`);
    const html = await response.text();
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-powered-by')).toBeNull();
    // HSTS and Secure cookies only when CLAIM_COOKIE_SECURE (production default); this test runs on http.
    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect(response.headers.get('set-cookie')).toMatch(
      /^sk_claim_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Activate your account');
    const english = await fetch(`${env.publicUrl}/`, {
      headers: { 'accept-language': 'en-GB,en;q=0.9,sv;q=0.5' },
    });
    expect(await english.text()).toContain('Activate your account');
    const swedish = await fetch(`${env.publicUrl}/`);
    expect(await swedish.text()).toContain('Aktivera ditt konto');
    const reload = await fetch(`${env.publicUrl}/claim/password`, { redirect: 'manual' });
    expect([reload.status, reload.headers.get('location')]).toEqual([303, '/']);
    const missing = await fetch(`${env.publicUrl}/nothing-here`);
    expect(missing.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
