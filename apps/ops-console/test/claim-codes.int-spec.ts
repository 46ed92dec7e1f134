// Claim codes through the console (issue 11) against a real HTTP server implementing the
// claim-portal's internal admin API contract, with the console on real PostgreSQL and NATS.
import { ConfigError, loadConfig } from '@skolkonto/platform';
import { ConsoleConfig } from '../src/config';
import { aClass, ClaimAdminDouble, startClaimAdminDouble } from './support/claim-admin-double';
import { ConsoleClient, ConsoleTestEnv, startConsole } from './support/console-test-env';

describe('claim codes in the console', () => {
  let env: ConsoleTestEnv;
  let portal: ClaimAdminDouble;
  const class7a = aClass('7A', 5);
  const class8b = aClass('8B', 3, '14945678');
  let operator: { username: string; password: string };
  let viewer: { username: string; password: string };
  let otherTenant: { username: string; password: string };

  beforeAll(async () => {
    portal = await startClaimAdminDouble('skara', [...class7a, ...class8b]);
    env = await startConsole('console-claims', {
      CLAIM_ADMIN_URL: portal.url,
      CLAIM_ADMIN_TOKEN: portal.token,
      CLAIM_PUBLIC_URL: 'https://konto.skara.example/claim',
    });
    operator = await env.createOperator('otto', 'operator', ['skara']);
    viewer = await env.createOperator('vilma', 'viewer', ['skara']);
    otherTenant = await env.createOperator('gustav', 'operator', ['gotene']);
  });
  afterAll(async () => {
    await env?.close();
    await portal?.close();
  });

  const signedIn = async (who: { username: string; password: string }) => {
    const client = new ConsoleClient(env.baseUrl);
    expect((await client.login(who.username, who.password)).status).toBe(200);
    return client;
  };

  it('issues codes for a class through the claim portal as the signed-in operator, shows them once and audits without them', async () => {
    const client = await signedIn(operator);
    const before = portal.requests.length;
    const res = await client.request('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'class', groupId: class7a[0]!.groupId }, validForDays: 7 });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as any;
    expect(body.claimPageUrl).toBe('https://konto.skara.example/claim');
    expect(body.issued.map((c: any) => c.accountName).sort()).toEqual(class7a.slice(1).map((a) => a.accountName).sort());
    expect(body.skipped).toEqual([{ identityId: class7a[0]!.identityId, reason: 'already claimed' }]);
    for (const issued of body.issued) expect(issued.code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);

    const sent = portal.requests.slice(before);
    expect(sent).toHaveLength(1);
    // The call continues the operator's request trace (the console's response names it).
    const [, traceId, spanId] = res.headers.get('traceresponse')!.split('-');
    expect(sent[0]!.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      path: '/internal/v1/claim-codes',
      authorization: `Bearer ${portal.token}`,
      body: { tenant: 'skara', scope: { kind: 'class', groupId: class7a[0]!.groupId }, issuedBy: 'otto', validForDays: 7 },
    });

    const audit = await env.prisma.consoleAuditEntry.findMany({ where: { action: 'claimcodes.issued' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ operator: 'otto', tenant: 'skara', target: `class:${class7a[0]!.groupId}`, detail: { issued: 4, skipped: 1, validForDays: 7 } });
    // The console keeps no code anywhere in its database.
    const dump = JSON.stringify(await env.prisma.$queryRawUnsafe(`SELECT * FROM console_audit_entries`), (_, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const issued of body.issued) expect(dump).not.toContain(issued.code);
    expect((await client.json('GET', '/api/claims/audit?tenant=skara')).body[0]).toMatchObject({ operator: 'otto', action: 'claimcodes.issued' });
  });

  it('issues for one person or a whole school', async () => {
    const client = await signedIn(operator);
    const person = await client.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'person', identityIds: [class8b[2]!.identityId] } });
    expect(person.status).toBe(201);
    expect(person.body.issued.map((c: any) => c.accountName)).toEqual([class8b[2]!.accountName]);
    const school = await client.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'school', schoolUnitCode: '14945678' } });
    expect(school.status).toBe(201);
    expect(school.body.issued).toHaveLength(2);
    expect(school.body.skipped).toHaveLength(1);
  });

  it('shows claimed, unclaimed and locked-out counts per class, and lets an operator unlock an account', async () => {
    const client = await signedIn(operator);
    const status = await client.json('GET', '/api/claims/status?tenant=skara');
    expect(status.status).toBe(200);
    expect(status.body.classes.find((c: any) => c.className === '7A')).toMatchObject({ claimed: 1, unclaimed: 4, lockedOut: 1 });
    expect(status.body.lockouts.map((l: any) => l.accountName)).toEqual(expect.arrayContaining([class7a[1]!.accountName, class8b[1]!.accountName]));

    const unlock = await client.request('POST', `/api/claims/lockouts/skara/${encodeURIComponent(class7a[1]!.accountName)}/unlock`);
    expect(unlock.status).toBe(204);
    const sent = portal.requests.at(-1)!;
    expect(decodeURIComponent(sent.path)).toBe(`/internal/v1/lockouts/skara/${class7a[1]!.accountName}/unlock`);
    expect(sent.body).toEqual({ unlockedBy: 'otto' });
    const after = await client.json('GET', '/api/claims/status?tenant=skara');
    expect(after.body.classes.find((c: any) => c.className === '7A').lockedOut).toBe(0);
    expect(await env.prisma.consoleAuditEntry.count({ where: { action: 'lockout.unlocked', target: `account:${class7a[1]!.accountName}`, operator: 'otto' } })).toBe(1);
    // Unlocking an account that is not locked is the portal's 404.
    expect((await client.request('POST', `/api/claims/lockouts/skara/nobody/unlock`)).status).toBe(404);
  });

  it('refuses a viewer (403), an operator of another tenant (403) and a request without a session (401), before the portal is called', async () => {
    const before = portal.requests.length;
    const issue = { tenant: 'skara', scope: { kind: 'class', groupId: class7a[0]!.groupId } };
    const asViewer = await signedIn(viewer);
    expect((await asViewer.request('POST', '/api/claims/codes', issue)).status).toBe(403);
    expect((await asViewer.request('POST', `/api/claims/lockouts/skara/${class8b[1]!.accountName}/unlock`)).status).toBe(403);
    expect((await asViewer.request('GET', '/api/claims/status?tenant=skara')).status).toBe(200); // viewers may look
    const before2 = portal.requests.length;
    const asOther = await signedIn(otherTenant);
    expect((await asOther.request('POST', '/api/claims/codes', issue)).status).toBe(403);
    expect((await asOther.request('GET', '/api/claims/status?tenant=skara')).status).toBe(403);
    expect((await new ConsoleClient(env.baseUrl).request('POST', '/api/claims/codes', issue)).status).toBe(401);
    expect(portal.requests.length).toBe(before2);
    expect(portal.requests.length - before).toBe(2); // only the viewer's status read reached it
  });

  it('names the bad field (400), passes on unknown class (404), and reports a refused token as the deployment problem it is', async () => {
    const client = await signedIn(operator);
    const bad = await client.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'class' } });
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringContaining('scope.groupId') } });
    const days = await client.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'school', schoolUnitCode: '14941234' }, validForDays: 365 });
    expect(days).toMatchObject({ status: 400, body: { message: expect.stringContaining('validForDays') } });
    const unknown = await client.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'class', groupId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.status).toBe(404);

    const wrongToken = await startConsole('console-claims-token', { CLAIM_ADMIN_URL: portal.url, CLAIM_ADMIN_TOKEN: 'not-the-right-token-at-all', CLAIM_PUBLIC_URL: 'https://konto.example/' });
    try {
      const who = await wrongToken.createOperator('olga', 'operator');
      const c = new ConsoleClient(wrongToken.baseUrl);
      await c.login(who.username, who.password);
      const refused = await c.json('GET', '/api/claims/status?tenant=skara');
      expect(refused).toMatchObject({ status: 502, body: { message: expect.stringContaining('CLAIM_ADMIN_TOKEN') } });
    } finally {
      await wrongToken.close();
    }
  });

  it('boots without the claim portal and shows the feature as not configured; a half configuration stops the boot naming the key', async () => {
    const plain = await startConsole('console-no-claims');
    try {
      const who = await plain.createOperator('nils', 'operator');
      const c = new ConsoleClient(plain.baseUrl);
      await c.login(who.username, who.password);
      expect((await c.json('GET', '/api/claims/settings')).body).toEqual({ configured: false, claimPageUrl: null });
      const issue = await c.json('POST', '/api/claims/codes', { tenant: 'skara', scope: { kind: 'class', groupId: class7a[0]!.groupId } });
      expect(issue).toMatchObject({ status: 503, body: { message: expect.stringContaining('not configured') } });
    } finally {
      await plain.close();
    }
    const base = { DATABASE_URL: 'postgresql://x@127.0.0.1/x', NATS_URL: 'nats://127.0.0.1:4222', CONSOLE_SESSION_SECRET: 'test-key-0123456789abcdef', CLAIM_ADMIN_URL: 'http://claim-portal:3008' };
    expect(() => loadConfig(ConsoleConfig, base)).toThrow(ConfigError);
    try {
      loadConfig(ConsoleConfig, base);
    } catch (error) {
      expect((error as Error).message).toContain('CLAIM_ADMIN_TOKEN');
      expect((error as Error).message).toContain('CLAIM_PUBLIC_URL');
    }
    // Empty values (a copied .env.example) mean unset.
    expect(loadConfig(ConsoleConfig, { ...base, CLAIM_ADMIN_URL: '', CLAIM_ADMIN_TOKEN: '', CLAIM_PUBLIC_URL: '' }).CLAIM_ADMIN_URL).toBeUndefined();
  });
});
