import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { IdentifierRegistryRepository } from '../src/identifier-registry/identifier-registry.repository';
import { PublishAttributesService } from '../src/publish-attributes/publish-attributes.service';
import { AttributeApiModule } from '../src/query-attributes/attribute-api.module';
import { AttributeReadModel } from '../src/query-attributes/attribute-read-model';
import { RecordAccountService } from '../src/record-account/record-account.service';
import { anIdentity, eventually, LIBRARY, LMS, SETTINGS_ENV, testSettings } from './fixtures';
import { httpsJson, selfSignedCertificate } from './tls';

const ISSUER = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';
const AUDIENCE = 'api://skolkonto-claims';
const EVENTS_APP = '99045fe1-7639-4a75-9d4a-577b6ca3810f';
const ENTRA_APP = '0f0e0d0c-0b0a-0908-0706-050403020100';

describe('attribute API (HTTPS)', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let app: INestApplication;
  let pool: Pool;
  let people: AttributeReadModel;
  let base: string;
  let tls: ReturnType<typeof selfSignedCertificate>;
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pupil = anIdentity();
  const protectedPupil = anIdentity({ names: { givenName: 'X', familyName: 'Y', displayName: 'X Y', protected: true } });
  let eppn: string;
  let publish: PublishAttributesService;
  let accounts: RecordAccountService;

  const jwt = (claims: Record<string, unknown>, key = signing.privateKey, kid = 'k1') => {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, azp: EVENTS_APP, iat: now, nbf: now, exp: now + 600, ...claims })).toString('base64url');
    return `${header}.${body}.${sign('RSA-SHA256', Buffer.from(`${header}.${body}`), key).toString('base64url')}`;
  };
  const tokenIssuanceStart = (user: Record<string, string>, appId = ENTRA_APP) => ({
    type: 'microsoft.graph.authenticationEvent.tokenIssuanceStart',
    source: '/tenants/11111111-2222-3333-4444-555555555555/applications/' + appId,
    data: {
      '@odata.type': 'microsoft.graph.onTokenIssuanceStartCalloutData',
      tenantId: '11111111-2222-3333-4444-555555555555',
      authenticationContext: {
        correlationId: randomUUID(),
        protocol: 'OAUTH2.0',
        clientServicePrincipal: { id: randomUUID(), appId, appDisplayName: 'LMS' },
        resourceServicePrincipal: { id: randomUUID(), appId, appDisplayName: 'LMS' },
        user: { id: randomUUID(), ...user },
      },
    },
  });

  beforeAll(async () => {
    tls = selfSignedCertificate();
    const jwksPath = join(tls.dir, 'jwks.json');
    writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }));
    const settings = testSettings(`
entra:
  - id: skara-entra
    tenant: skara
    issuers: ["${ISSUER}"]
    audiences: ["${AUDIENCE}"]
    authorizedParties: ["${EVENTS_APP}"]
    jwks: ${jwksPath}
`);
    settings.tenants.get('skara')!.policies.set(ENTRA_APP, { entityId: ENTRA_APP, attributes: ['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'givenName', 'sisSchoolUnitCode'] });
    database = await createTestDatabase({ prefix: 'fedpub_api' });
    prisma = createPrismaClient(database.url, { poolSize: 4 });
    publish = new PublishAttributesService(prisma, new IdentifierRegistryRepository(), settings);
    accounts = new RecordAccountService(prisma);
    for (const [identity, name] of [[pupil, 'asaek01'], [protectedPupil, 'elev4711']] as const) {
      await publish.applyIdentity(identity);
      await accounts.applyAccount(
        { identityId: identity.identityId, tenant: 'skara', identityVersion: 1, accountId: randomUUID(), sAMAccountName: name, userPrincipalName: `${name}@skola.skara.se` },
        'present',
      );
    }
    eppn = (await prisma.federationIdentifier.findUniqueOrThrow({ where: { identityId: pupil.identityId } })).eduPersonPrincipalName;
    pool = new Pool({ connectionString: database.url, max: 4 });
    people = new AttributeReadModel(pool);
    await people.start();
    app = await NestFactory.create(AttributeApiModule.register({ people, settings }), { logger: false, httpsOptions: { cert: tls.cert, key: tls.key } });
    await app.listen(0, '127.0.0.1');
    base = `https://127.0.0.1:${app.getHttpServer().address().port}`;
  });
  afterAll(async () => {
    await app?.close();
    await people?.stop();
    await pool?.end();
    await prisma?.$disconnect();
    await database?.drop();
    tls?.cleanup();
  });

  const get = (query: string, token = SETTINGS_ENV.IDP_TOKEN_SKARA) =>
    httpsJson(`${base}/v1/idp/attributes?${query}`, { ca: tls.cert, headers: { authorization: `Bearer ${token}` } });

  describe('GET /v1/idp/attributes (Shibboleth-shaped)', () => {
    it("answers exactly the SP's policy in the documented shape", async () => {
      const response = await get(`principal=asaek01&sp=${encodeURIComponent(LMS)}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        principal: 'asaek01',
        attributes: [
          { name: 'eduPersonPrincipalName', scoped: true, values: [eppn] },
          { name: 'eduPersonScopedAffiliation', scoped: true, values: ['student@skara.se', 'member@skara.se'] },
          { name: 'sisSchoolUnitCode', scoped: false, values: ['12345678'] },
          { name: 'givenName', scoped: false, values: ['Åsa'] },
          { name: 'sn', scoped: false, values: ['Ek'] },
          { name: 'displayName', scoped: false, values: ['Åsa Ek'] },
          { name: 'mail', scoped: false, values: ['asa.ek@elev.skara.se'] },
          { name: 'isMemberOf', scoped: false, values: ['Klass 7B'] },
        ],
      });
    });

    it('answers by ePPN with a pairwise-id for another SP', async () => {
      const response = await get(`principal=${encodeURIComponent(eppn)}&sp=${encodeURIComponent(LIBRARY)}`);
      expect(response.status).toBe(200);
      expect(response.body.attributes.map((a: { name: string }) => a.name)).toEqual(['pairwise-id', 'eduPersonScopedAffiliation']);
    });

    it('gives a protected identity the minimal set', async () => {
      const response = await get(`principal=elev4711&sp=${encodeURIComponent(LMS)}`);
      expect(response.status).toBe(200);
      expect(response.body.attributes.map((a: { name: string }) => a.name)).toEqual([
        'eduPersonPrincipalName',
        'eduPersonScopedAffiliation',
        'sisSchoolUnitCode',
        'isMemberOf',
      ]);
    });

    it('refuses an unknown SP with 403 and a reason, an unknown principal with 404', async () => {
      const unknownSp = await get('principal=asaek01&sp=https%3A%2F%2Fevil.example.org');
      expect(unknownSp.status).toBe(403);
      expect(unknownSp.body.reason).toBe('unknown-service-provider');
      expect(unknownSp.body.message).toMatch(/no release policy for service provider https:\/\/evil.example.org/);
      const unknownPrincipal = await get(`principal=nobody&sp=${encodeURIComponent(LMS)}`);
      expect(unknownPrincipal.status).toBe(404);
      expect(unknownPrincipal.body.reason).toBe('unknown-principal');
      expect((await get(`sp=${encodeURIComponent(LMS)}`)).status).toBe(400);
      const twice = await get(`principal=asaek01&principal=elev4711&sp=${encodeURIComponent(LMS)}`);
      expect(twice).toMatchObject({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/principal/) } });
    });

    it('answers people published after it started, and stops answering for a revoked one', async () => {
      const late = anIdentity();
      await publish.applyIdentity(late);
      await accounts.applyAccount(
        { identityId: late.identityId, tenant: 'skara', identityVersion: 1, accountId: randomUUID(), sAMAccountName: 'sen01', userPrincipalName: 'sen01@skola.skara.se' },
        'present',
      );
      await eventually(async () => expect((await get(`principal=sen01&sp=${encodeURIComponent(LMS)}`)).status).toBe(200));
      await publish.applyIdentity({ ...late, version: 2, status: 'deactivated' });
      await eventually(async () => expect((await get(`principal=sen01&sp=${encodeURIComponent(LMS)}`)).status).toBe(404));
    });

    it('keeps an idle IdP connection longer than node\'s 5 s default, so the next login needs no handshake', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: tls.cert });
      const ports: number[] = [];
      const once = () =>
        new Promise<number>((resolve, reject) => {
          const req = request(`${base}/v1/idp/attributes?principal=asaek01&sp=${encodeURIComponent(LMS)}`, { agent, headers: { authorization: `Bearer ${SETTINGS_ENV.IDP_TOKEN_SKARA}` } }, (res) => {
            ports.push(res.socket.localPort!);
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
          req.end();
        });
      try {
        expect(await once()).toBe(200);
        // node closes an idle connection after keepAliveTimeout plus a 1 s grace: wait past 5 s + 1 s.
        await new Promise((resolve) => setTimeout(resolve, 7000));
        expect(await once()).toBe(200);
        expect(ports[1]).toBe(ports[0]);
      } finally {
        agent.destroy();
      }
    }, 15_000);

    it('answers 503 instead of a possibly stale answer while the read model is not current', async () => {
      const behind = new AttributeReadModel(pool); // never started: not current
      const other = await NestFactory.create(AttributeApiModule.register({ people: behind, settings: testSettings() }), {
        logger: false,
        httpsOptions: { cert: tls.cert, key: tls.key },
      });
      await other.listen(0, '127.0.0.1');
      try {
        const response = await httpsJson(`https://127.0.0.1:${other.getHttpServer().address().port}/v1/idp/attributes?principal=asaek01&sp=${encodeURIComponent(LMS)}`, {
          ca: tls.cert,
          headers: { authorization: `Bearer ${SETTINGS_ENV.IDP_TOKEN_SKARA}` },
        });
        expect(response).toMatchObject({ status: 503, body: { statusCode: 503, reason: 'attributes-not-current' } });
      } finally {
        await other.close();
      }
    });

    it('leaves every other path to Nest', async () => {
      const post = await httpsJson(`${base}/v1/idp/attributes?principal=asaek01&sp=x`, { ca: tls.cert, method: 'POST', body: {} });
      expect(post).toMatchObject({ status: 404, body: { statusCode: 404, message: 'Cannot POST /v1/idp/attributes?principal=asaek01&sp=x' } });
      const missing = await httpsJson(`${base}/v1/idp/attributes-and-more`, { ca: tls.cert });
      expect(missing).toMatchObject({ status: 404, body: { statusCode: 404 } });
    });

    it('requires a known bearer token', async () => {
      expect((await get(`principal=asaek01&sp=${encodeURIComponent(LMS)}`, 'x'.repeat(40))).status).toBe(401);
      const none = await httpsJson(`${base}/v1/idp/attributes?principal=asaek01&sp=x`, { ca: tls.cert });
      expect(none.status).toBe(401);
    });
  });

  describe('POST /v1/entra/token-issuance-start (Entra custom claims provider)', () => {
    const post = (token: string, body: unknown) =>
      httpsJson(`${base}/v1/entra/token-issuance-start`, { ca: tls.cert, method: 'POST', headers: { authorization: `Bearer ${token}` }, body });

    it('answers provideClaimsForToken with the policy attributes as strings and string arrays', async () => {
      const started = Date.now();
      const response = await post(jwt({}), tokenIssuanceStart({ userPrincipalName: 'asaek01@skola.skara.se' }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        data: {
          '@odata.type': 'microsoft.graph.onTokenIssuanceStartResponseData',
          actions: [
            {
              '@odata.type': 'microsoft.graph.tokenIssuanceStart.provideClaimsForToken',
              claims: {
                eduPersonPrincipalName: eppn,
                eduPersonScopedAffiliation: ['student@skara.se', 'member@skara.se'],
                sisSchoolUnitCode: ['12345678'],
                givenName: 'Åsa',
              },
            },
          ],
        },
      });
    });

    it('prefers onPremisesSamAccountName and gives a protected identity no names', async () => {
      const response = await post(jwt({}), tokenIssuanceStart({ userPrincipalName: 'someone@tenant.onmicrosoft.com', onPremisesSamAccountName: 'elev4711' }));
      expect(response.status).toBe(200);
      expect(Object.keys(response.body.data.actions[0].claims).sort()).toEqual(['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'sisSchoolUnitCode']);
    });

    it('rejects tokens with a wrong issuer, audience, azp, signature or expiry', async () => {
      const body = tokenIssuanceStart({ userPrincipalName: 'asaek01@skola.skara.se' });
      for (const token of [
        jwt({ iss: 'https://login.microsoftonline.com/other/v2.0' }),
        jwt({ aud: 'api://someone-else' }),
        jwt({ azp: '00000000-0000-0000-0000-000000000000' }),
        jwt({}, stranger.privateKey),
        jwt({ exp: Math.floor(Date.now() / 1000) - 3600 }),
        'not-a-jwt',
      ]) {
        const response = await post(token, body);
        expect(response.status).toBe(401);
      }
      expect((await post(jwt({ azp: undefined, appid: EVENTS_APP }), body)).status).toBe(200);
    });

    it('answers 403 for an application without a policy and 404 for an unknown user', async () => {
      expect((await post(jwt({}), tokenIssuanceStart({ userPrincipalName: 'asaek01@skola.skara.se' }, randomUUID()))).status).toBe(403);
      expect((await post(jwt({}), tokenIssuanceStart({ userPrincipalName: 'nobody@skola.skara.se' }))).status).toBe(404);
    });
  });
});
