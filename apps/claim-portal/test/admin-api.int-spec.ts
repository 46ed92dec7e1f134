// The internal admin API the ops console calls, and the account projection behind it: bearer token,
// 400s naming the field, 404s for unknown tenants, classes and schools; accounts learned from
// directory.* and identity.* in version order; a disabled account loses its code.
import { randomUUID } from 'node:crypto';
import { EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { EventPublisher, resolveMessagingOptions } from '@skolkonto/messaging';
import { PruneClaimDataService } from '../src/claim-account/prune-claim-data.service';
import {
  ADMIN_TOKEN,
  type ClaimTestEnv,
  PageClient,
  startClaimPortal,
  TENANT,
  until,
} from './support/claim-test-env';

describe('claim-portal admin API and account projection', () => {
  let env: ClaimTestEnv;
  let publisher: EventPublisher;

  beforeAll(async () => {
    env = await startClaimPortal('claimadmin');
    publisher = new EventPublisher(env.nats.connection.js, resolveMessagingOptions(env.nats.options));
  });

  afterAll(async () => {
    await env?.close();
  });

  it('answers 401 without the right bearer token, on every route', async () => {
    for (const [method, path] of [
      ['POST', '/internal/v1/claim-codes'],
      ['GET', `/internal/v1/claim-status?tenant=${TENANT}`],
      ['GET', `/internal/v1/lockouts?tenant=${TENANT}`],
      ['POST', `/internal/v1/lockouts/${TENANT}/someone/unlock`],
    ] as const) {
      expect([path, (await env.admin(method, path, {}, 'wrong-token-0123456789')).status]).toEqual([
        path,
        401,
      ]);
      expect([path, (await env.admin(method, path, {}, `${ADMIN_TOKEN}x`)).status]).toEqual([path, 401]);
    }
    const response = await fetch(`${env.adminUrl}/internal/v1/claim-status?tenant=${TENANT}`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    expect(response.status).toBe(401);
    // The console's trace continues here.
    expect(response.headers.get('traceresponse')).toMatch(
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/,
    );
    expect(await response.json()).toEqual({ message: 'missing or wrong bearer token' });
  });

  it('answers 400 naming the bad field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ scope: { kind: 'class', groupId: randomUUID() }, issuedBy: 'x' }, 'tenant'],
      [{ tenant: TENANT, scope: { kind: 'class', groupId: randomUUID() } }, 'issuedBy'],
      [{ tenant: TENANT, scope: { kind: 'team' }, issuedBy: 'x' }, 'scope.kind'],
      [
        { tenant: TENANT, scope: { kind: 'person', identityIds: ['not-a-uuid'] }, issuedBy: 'x' },
        'scope.identityIds[0]',
      ],
      [{ tenant: TENANT, scope: { kind: 'person', identityIds: [] }, issuedBy: 'x' }, 'scope.identityIds'],
      [{ tenant: TENANT, scope: { kind: 'class', groupId: '7B' }, issuedBy: 'x' }, 'scope.groupId'],
      [
        { tenant: TENANT, scope: { kind: 'school', schoolUnitCode: '123' }, issuedBy: 'x' },
        'scope.schoolUnitCode',
      ],
      [
        { tenant: TENANT, scope: { kind: 'class', groupId: randomUUID() }, issuedBy: 'x', validForDays: 0 },
        'validForDays',
      ],
      ['{not json', 'body'],
    ];
    for (const [body, field] of cases) {
      const response = await env.admin('POST', '/internal/v1/claim-codes', body);
      expect([field, response.status]).toEqual([field, 400]);
      expect(response.body.message).toMatch(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `));
    }
    expect((await env.admin('GET', '/internal/v1/claim-status')).body).toEqual({
      message: 'tenant: must be a tenant id',
    });
    expect((await env.admin('POST', `/internal/v1/lockouts/${TENANT}/someone/unlock`, {})).body).toEqual({
      message: 'unlockedBy: must be a non-empty string (at most 200 characters)',
    });
  });

  it('answers 404 for an unknown tenant, class, school or account', async () => {
    const issue = (tenant: string, scope: unknown) =>
      env.admin('POST', '/internal/v1/claim-codes', { tenant, scope, issuedBy: 'birgitta' });
    expect(await issue('nowhere', { kind: 'class', groupId: randomUUID() })).toEqual({
      status: 404,
      body: { message: 'unknown tenant: nowhere' },
    });
    expect((await issue(TENANT, { kind: 'class', groupId: randomUUID() })).status).toBe(404);
    expect((await issue(TENANT, { kind: 'school', schoolUnitCode: '99999999' })).status).toBe(404);
    expect((await env.admin('GET', '/internal/v1/claim-status?tenant=nowhere')).status).toBe(404);
    expect((await env.admin('GET', '/internal/v1/lockouts?tenant=nowhere')).status).toBe(404);
    expect(
      (await env.admin('POST', `/internal/v1/lockouts/${TENANT}/nobody/unlock`, { unlockedBy: 'birgitta' }))
        .status,
    ).toBe(404);
  });

  it('issues for a school unit, skipping persons it does not know', async () => {
    const schoolUnitCode = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
    const a = await env.addAccount({ schoolUnitCode });
    const b = await env.addAccount({ schoolUnitCode, className: '9C' });
    const response = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'school', schoolUnitCode },
      issuedBy: 'rektor',
      validForDays: 3,
    });
    expect(response.status).toBe(201);
    expect(response.body.issued.map((i: { identityId: string }) => i.identityId).sort()).toEqual(
      [a.identityId, b.identityId].sort(),
    );
    const expiresAt = new Date(response.body.issued[0].expiresAt).getTime();
    expect(Math.abs(expiresAt - Date.now() - 3 * 86_400_000)).toBeLessThan(60_000);
    const ghost = randomUUID();
    const person = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'person', identityIds: [a.identityId, ghost] },
      issuedBy: 'rektor',
    });
    expect(person.body.issued.map((i: { identityId: string }) => i.identityId)).toEqual([a.identityId]);
    expect(person.body.skipped).toEqual([{ identityId: ghost, reason: 'unknown-identity' }]);
    // The reissue revoked the school-wide code of a, audited as such.
    const audit = await env.prisma.claimAudit.findMany({
      where: { identityId: a.identityId },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((x) => x.action)).toEqual(['issued', 'revoked', 'issued']);
    expect(
      await env.prisma.claimCode.count({
        where: { identityId: a.identityId, usedAt: null, revokedAt: null },
      }),
    ).toBe(1);
  });

  it('keeps one valid code per account when two issues for it race', async () => {
    const account = await env.addAccount();
    const issue = () =>
      env.admin('POST', '/internal/v1/claim-codes', {
        tenant: TENANT,
        scope: { kind: 'person', identityIds: [account.identityId] },
        issuedBy: 'birgitta',
      });
    const answers = await Promise.all([issue(), issue(), issue()]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(
      await env.prisma.claimCode.count({
        where: { identityId: account.identityId, usedAt: null, revokedAt: null },
      }),
    ).toBe(1);
    expect(await env.prisma.claimCode.count({ where: { identityId: account.identityId } })).toBe(3);
  });

  it('learns identity changes in version order and ignores older versions', async () => {
    const account = await env.addAccount({ className: '5A' });
    const sample = SAMPLE_EVENT_DATA.identityPersonChanged;
    const base = {
      ...sample,
      identityId: account.identityId,
      tenant: TENANT,
      names: { givenName: 'Tove', familyName: 'Ekström', displayName: 'Tove Ekström', protected: false },
      schoolUnits: [{ ...sample.schoolUnits[0]!, schoolUnitCode: account.schoolUnitCode }],
    };
    const newGroup = randomUUID();
    await publisher.publish(EVENTS.identityPersonChanged, {
      tenant: TENANT,
      data: {
        ...base,
        version: 4,
        class: { groupId: newGroup, displayName: '6A', schoolUnitCode: account.schoolUnitCode },
      },
    });
    await until(
      async () =>
        (await env.prisma.claimAccount.findUnique({ where: { identityId: account.identityId } }))
          ?.identityVersion === 4,
    );
    // Redelivered or late: version 3 must not bring the old class back.
    await publisher.publish(EVENTS.identityPersonChanged, {
      tenant: TENANT,
      data: { ...base, version: 3, class: { groupId: account.classGroupId, displayName: '5A' } },
    });
    const marker = await env.addAccount();
    expect(marker.identityId).toBeDefined();
    const row = await env.prisma.claimAccount.findUniqueOrThrow({
      where: { identityId: account.identityId },
    });
    expect([row.identityVersion, row.classGroupId, row.className, row.claimed]).toEqual([
      4,
      newGroup,
      '6A',
      false,
    ]);
  });

  it('revokes the code of an account that is disabled', async () => {
    const account = await env.addAccount();
    const issued = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'person', identityIds: [account.identityId] },
      issuedBy: 'birgitta',
    });
    const code = issued.body.issued[0].code as string;
    await publisher.publish(EVENTS.directoryAccountDisabled, {
      tenant: TENANT,
      data: {
        identityId: account.identityId,
        tenant: TENANT,
        identityVersion: 3,
        accountId: account.accountId,
        sAMAccountName: account.accountName,
        userPrincipalName: `${account.accountName}@skola.skara.se`,
        distinguishedName: account.dn,
        enabled: false,
        reason: 'identity deactivated (grace-expired)',
        occurredAt: new Date().toISOString(),
      },
    });
    await until(
      async () =>
        (await env.prisma.claimCode.findFirst({ where: { identityId: account.identityId } }))?.revokedAt,
    );
    const page = await new PageClient(env.publicUrl).submitCode(account.accountName, code);
    expect(page.error).toContain('Kontonamnet eller koden stämmer inte');
    const again = await env.admin('POST', '/internal/v1/claim-codes', {
      tenant: TENANT,
      scope: { kind: 'person', identityIds: [account.identityId] },
      issuedBy: 'birgitta',
    });
    expect(again.body.skipped).toEqual([{ identityId: account.identityId, reason: 'account-disabled' }]);

    // An account.updated of the same identity version that happened before the disable, arriving
    // after it (another durable consumer), does not enable the account again.
    const ack = await publisher.publish(EVENTS.directoryAccountUpdated, {
      tenant: TENANT,
      data: {
        identityId: account.identityId,
        tenant: TENANT,
        identityVersion: 3,
        accountId: account.accountId,
        sAMAccountName: account.accountName,
        userPrincipalName: `${account.accountName}@skola.skara.se`,
        distinguishedName: account.dn,
        enabled: true,
        changedAttributes: ['department'],
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    await until(async () => {
      const info = await env.nats.connection.jsm.consumers.info(
        env.nats.streamName('DIRECTORY'),
        'claim-portal-learn-accounts-updated',
      );
      return info.ack_floor.stream_seq >= ack.seq;
    });
    expect(
      (await env.prisma.claimAccount.findUniqueOrThrow({ where: { identityId: account.identityId } }))
        .enabled,
    ).toBe(false);
  });

  it('prunes old rate-limit rows and expired tickets, and counts outcomes in /metrics', async () => {
    const old = new Date(Date.now() - 3 * 86_400_000);
    await env.prisma.claimAttempt.create({
      data: { ipKey: 'old-ip', accountKey: 'old-account', outcome: 'rejected', at: old },
    });
    await env.prisma.claimTicket.create({
      data: {
        tokenHash: 'old-ticket',
        sessionHash: 'old-session',
        identityId: randomUUID(),
        claimCodeId: randomUUID(),
        expiresAt: old,
      },
    });
    const pruned = await env.app.get(PruneClaimDataService).prune();
    expect(pruned.attempts).toBeGreaterThanOrEqual(1);
    expect(pruned.tickets).toBeGreaterThanOrEqual(1);
    expect(await env.prisma.claimAttempt.count({ where: { ipKey: 'old-ip' } })).toBe(0);
    const metrics = await (await fetch(`${env.publicUrl}/metrics`)).text();
    expect(metrics).toMatch(/skolkonto_claim_code_submissions_total\{outcome="rejected"\} [1-9]/);
    expect(metrics).toMatch(/skolkonto_claim_codes_issued_total\{scope="school"\} [1-9]/);
  });
});
