import { randomUUID } from 'node:crypto';
import {
  ApiKeyAuth,
  OAuth2ClientCredentialsAuth,
  type Person,
  Ss12000Client,
  Ss12000Error,
  StaticBearerAuth,
  parseWebhookNotification,
} from '@skolkonto/ss12000';
import { LocalRegister, sendJson } from './local-register';

const META = { created: '2026-08-01T08:00:00Z', modified: '2026-08-01T08:00:00Z' };

function aPerson(n: number, overrides: Partial<Person> = {}): Person {
  return { id: randomUUID(), meta: META, givenName: `Elev${n}`, familyName: 'Ström', ...overrides };
}

/** Serves `all` in pages of `limit`, token = next offset; `hook` may override any answer. */
function pagedPersons(all: unknown[]) {
  return (query: URLSearchParams) => {
    const limit = Number(query.get('limit') ?? 100);
    const offset = Number(query.get('pageToken') ?? 0);
    const next = offset + limit;
    return { data: all.slice(offset, next), pageToken: next < all.length ? String(next) : null };
  };
}

let register: LocalRegister;

beforeAll(async () => {
  register = await LocalRegister.start();
});

afterAll(async () => {
  await register.stop();
});

const client = (overrides: Partial<ConstructorParameters<typeof Ss12000Client>[0]> = {}) =>
  new Ss12000Client({
    baseUrl: `${register.baseUrl}/v2.1`,
    auth: new StaticBearerAuth('t0ken'),
    pageSize: 10,
    backoffBaseMs: 10,
    ...overrides,
  });

describe('Ss12000Client paging', () => {
  it('reads every page and sends the filters only on the first request', async () => {
    const all = Array.from({ length: 25 }, (_, i) => aPerson(i));
    const page = pagedPersons(all);
    register.handle((req, res) => sendJson(res, 200, page(req.query)));

    const result = await client().readAll('persons', {
      modifiedAfter: new Date('2026-08-01T00:00:00Z'),
      params: { expandReferenceNames: true },
    });

    expect(result.complete).toBe(true);
    expect(result.records.map((p) => p.id)).toEqual(all.map((p) => p.id));
    expect(result.pages).toBe(3);
    const queries = register.requests.map((r) => Object.fromEntries(r.query));
    expect(queries).toEqual([
      { 'meta.modified.after': '2026-08-01T00:00:00.000Z', expandReferenceNames: 'true', limit: '10' },
      { pageToken: '10', limit: '10' },
      { pageToken: '20', limit: '10' },
    ]);
    expect(register.requests.every((r) => r.path === '/v2.1/persons')).toBe(true);
    expect(register.requests.every((r) => r.headers.authorization === 'Bearer t0ken')).toBe(true);
  });

  it('stops a server that hands out tokens forever with PAGE_LIMIT', async () => {
    let n = 0;
    register.handle((_req, res) => sendJson(res, 200, { data: [aPerson(n)], pageToken: `t${++n}` }));

    const result = await client({ maxPages: 7 }).readAll('persons');

    expect(result.complete).toBe(false);
    expect(!result.complete && result.error.code).toBe('PAGE_LIMIT');
    expect(register.requests).toHaveLength(7);
    expect(result.records).toHaveLength(7);
  });

  it('stops on a repeated pageToken with PAGING_LOOP', async () => {
    const tokens = ['a', 'b', 'c', 'b'];
    register.handle((req, res) => {
      const i = register.requests.length - 1;
      sendJson(res, 200, { data: [aPerson(i)], pageToken: tokens[i] ?? null });
    });

    await expect(async () => {
      for await (const _ of client().persons()) {
        /* drain */
      }
    }).rejects.toMatchObject({ code: 'PAGING_LOOP', details: { page: 4 } });
    expect(register.requests).toHaveLength(4);
  });

  it('retries a 500 on page 3 and then completes', async () => {
    const all = Array.from({ length: 45 }, (_, i) => aPerson(i));
    const page = pagedPersons(all);
    let failed = 0;
    register.handle((req, res) => {
      if (req.query.get('pageToken') === '20' && failed < 2) {
        failed++;
        return sendJson(res, 500, { code: 'BOOM', message: 'internal' });
      }
      sendJson(res, 200, page(req.query));
    });
    const retries: number[] = [];

    const result = await client({ onRetry: (r) => retries.push(r.attempt) }).readAll('persons');

    expect(result.complete).toBe(true);
    expect(result.records).toHaveLength(45);
    expect(retries).toEqual([1, 2]);
  });

  it('reports a read as incomplete when page 3 keeps failing', async () => {
    const all = Array.from({ length: 45 }, (_, i) => aPerson(i));
    const page = pagedPersons(all);
    register.handle((req, res) =>
      req.query.get('pageToken') === '20' ? sendJson(res, 503, {}) : sendJson(res, 200, page(req.query)),
    );

    const result = await client({ retries: 2 }).readAll('persons');

    expect(result.complete).toBe(false);
    if (!result.complete) {
      expect(result.error).toBeInstanceOf(Ss12000Error);
      expect(result.error).toMatchObject({ code: 'HTTP_STATUS', details: { status: 503, attempts: 3 } });
      expect(result.error.retryable).toBe(true);
    }
    expect(result.records).toHaveLength(20);
    expect(register.requests.filter((r) => r.query.get('pageToken') === '20')).toHaveLength(3);
  });

  it('waits as long as Retry-After says on 429', async () => {
    let first = true;
    register.handle((_req, res) => {
      if (first) {
        first = false;
        return sendJson(res, 429, {}, { 'retry-after': '1' });
      }
      sendJson(res, 200, { data: [aPerson(1)], pageToken: null });
    });

    const started = Date.now();
    const result = await client({ backoffBaseMs: 1 }).readAll('persons');

    expect(result.complete).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up on a register that does not answer in time with TIMEOUT', async () => {
    register.handle(() => {
      /* never answers */
    });

    const started = Date.now();
    const result = await client({ timeoutMs: 200, retries: 1 }).readAll('persons');

    expect(!result.complete && result.error.code).toBe('TIMEOUT');
    expect(register.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('does not retry a 400 and reports HTTP_STATUS', async () => {
    register.handle((_req, res) => sendJson(res, 400, { code: 'BAD', message: 'bad filter' }));

    const result = await client().readAll('groups');

    expect(!result.complete && result.error).toMatchObject({ code: 'HTTP_STATUS', details: { status: 400 } });
    expect(register.requests).toHaveLength(1);
  });

  it('rejects bad records one by one while the rest of the page flows', async () => {
    const good = [aPerson(1), aPerson(2)];
    const bad = [
      { ...aPerson(3), civicNo: { value: '191212121213' } },
      { ...aPerson(4), sex: 'Robot' },
      { id: randomUUID(), meta: META, givenName: 'Utan' },
    ];
    register.handle((_req, res) => sendJson(res, 200, { data: [good[0], ...bad, good[1]], pageToken: null }));

    const result = await client().readAll('persons');

    expect(result.complete).toBe(true);
    expect(result.records.map((p) => p.id)).toEqual(good.map((p) => p.id));
    expect(result.rejections).toEqual([
      {
        entity: 'Person',
        id: bad[0].id,
        reason: 'civicNo.value is not a valid personnummer or samordningsnummer',
      },
      { entity: 'Person', id: bad[1].id, reason: 'sex has unknown value "Robot"' },
      { entity: 'Person', id: bad[2].id, reason: 'familyName is missing' },
    ]);
    expect(JSON.stringify(result.rejections)).not.toContain('191212121213');
  });
});

describe('Ss12000Client auth', () => {
  it('sends an API key header', async () => {
    register.handle((_req, res) => sendJson(res, 200, { data: [], pageToken: null }));
    await client({ auth: new ApiKeyAuth('k3y', 'X-Api-Key') }).readAll('duties');
    expect(register.requests[0].headers['x-api-key']).toBe('k3y');
  });

  it('fails with AUTH on 401 from a static token', async () => {
    register.handle((_req, res) => sendJson(res, 401, {}));
    const result = await client().readAll('organisations');
    expect(!result.complete && result.error.code).toBe('AUTH');
    expect(register.requests).toHaveLength(1);
  });

  it('caches an OAuth2 client-credentials token and refreshes it before expiry', async () => {
    let clock = 1_000_000;
    let issued = 0;
    register.handle((req, res) => {
      if (req.path === '/token') {
        issued++;
        return sendJson(res, 200, { access_token: `tok${issued}`, token_type: 'Bearer', expires_in: 300 });
      }
      if (req.headers.authorization !== `Bearer tok${issued}`) return sendJson(res, 401, {});
      sendJson(res, 200, { data: [], pageToken: null });
    });
    const auth = new OAuth2ClientCredentialsAuth({
      tokenUrl: `${register.baseUrl}/token`,
      clientId: 'skolkonto',
      clientSecret: 's3cret',
      scope: 'ss12000',
      refreshBeforeExpiryMs: 60_000,
      now: () => clock,
    });
    const c = client({ auth });

    await c.readAll('persons');
    await c.readAll('groups');
    expect(issued).toBe(1);
    const tokenRequest = register.requests.find((r) => r.path === '/token')!;
    expect(tokenRequest.headers.authorization).toBe(
      `Basic ${Buffer.from('skolkonto:s3cret').toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'ss12000',
    });

    clock += 241_000; // past expiry minus the refresh margin
    await c.readAll('persons');
    expect(issued).toBe(2);
  });

  it('fetches a new OAuth2 token once when the register revokes the cached one', async () => {
    let issued = 0;
    let revoked = false;
    register.handle((req, res) => {
      if (req.path === '/token') {
        issued++;
        return sendJson(res, 200, { access_token: `tok${issued}`, expires_in: 3600 });
      }
      if (revoked && req.headers.authorization === 'Bearer tok1') return sendJson(res, 401, {});
      sendJson(res, 200, { data: [], pageToken: null });
    });
    const c = client({
      auth: new OAuth2ClientCredentialsAuth({
        tokenUrl: `${register.baseUrl}/token`,
        clientId: 'a',
        clientSecret: 'b',
      }),
    });
    await c.readAll('persons');
    revoked = true;

    const result = await c.readAll('persons');

    expect(result.complete).toBe(true);
    expect(issued).toBe(2);
  });

  it('reports a failing token endpoint as AUTH', async () => {
    register.handle((_req, res) => sendJson(res, 400, { error: 'invalid_client' }));
    const c = client({
      auth: new OAuth2ClientCredentialsAuth({
        tokenUrl: `${register.baseUrl}/token`,
        clientId: 'a',
        clientSecret: 'b',
      }),
    });
    const result = await c.readAll('persons');
    expect(!result.complete && result.error).toMatchObject({ code: 'AUTH', details: { status: 400 } });
  });
});

describe('Ss12000Client deletedEntities, lookups and subscriptions', () => {
  it('reads deletions across pages under both spellings of activities', async () => {
    const [p1, p2, g1, a1, a2] = Array.from({ length: 5 }, () => randomUUID());
    register.handle((req, res) => {
      if (!req.query.get('pageToken')) {
        return sendJson(res, 200, {
          data: { persons: [p1], groups: [g1], activitites: [a1] },
          pageToken: 'next',
        });
      }
      sendJson(res, 200, { data: { persons: [p2], activities: [a2] }, pageToken: null });
    });

    const result = await client().readDeletedEntities({
      after: '2026-08-01T00:00:00Z',
      entities: ['Person', 'Group'],
    });

    expect(result).toEqual({
      complete: true,
      pages: 2,
      deleted: { persons: [p1, p2], groups: [g1], organisations: [], duties: [], activities: [a1, a2] },
    });
    expect(Object.fromEntries(register.requests[0].query)).toEqual({
      after: '2026-08-01T00:00:00Z',
      entities: 'Person,Group',
      limit: '10',
    });
    expect(Object.fromEntries(register.requests[1].query)).toEqual({ pageToken: 'next', limit: '10' });
  });

  it('gets one record by id and answers not found on 404', async () => {
    const person = aPerson(1);
    register.handle((req, res) =>
      req.path.endsWith(person.id) ? sendJson(res, 200, person) : sendJson(res, 404, { code: 'NOT_FOUND' }),
    );
    await expect(client().get('persons', person.id)).resolves.toEqual({
      found: true,
      records: [person],
      rejections: [],
    });
    await expect(client().get('persons', randomUUID())).resolves.toEqual({
      found: false,
      records: [],
      rejections: [],
    });
  });

  it('looks up persons with civic numbers in the body, never in the URL', async () => {
    const person = aPerson(1);
    register.handle((_req, res) => sendJson(res, 200, { data: [person] }));
    const result = await client().lookup('persons', { civicNos: ['191212121212'] });
    expect(result.records).toEqual([person]);
    expect(register.requests[0]).toMatchObject({ method: 'POST', path: '/v2.1/persons/lookup' });
    expect(register.requests[0].query.toString()).toBe('');
    expect(JSON.parse(register.requests[0].body)).toEqual({ civicNos: ['191212121212'] });
  });

  it('creates, renews, lists and deletes a subscription', async () => {
    const id = randomUUID();
    const sub = {
      id,
      name: 'skolkonto',
      target: 'https://x/hook',
      resourceTypes: [{ resource: 'Person' }],
      expires: '2026-12-01T00:00:00Z',
    };
    register.handle((req, res) => {
      if (req.method === 'DELETE') {
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'GET') return sendJson(res, 200, { data: [sub], pageToken: null });
      sendJson(res, req.method === 'POST' ? 201 : 200, sub);
    });
    const c = client();
    await expect(
      c.createSubscription({
        name: 'skolkonto',
        target: 'https://x/hook',
        resourceTypes: [{ resource: 'Person' }],
      }),
    ).resolves.toEqual(sub);
    await expect(c.renewSubscription(id)).resolves.toEqual(sub);
    await expect(c.listSubscriptions()).resolves.toEqual([sub]);
    await c.deleteSubscription(id);
    expect(register.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v2.1/subscriptions',
      `PATCH /v2.1/subscriptions/${id}`,
      'GET /v2.1/subscriptions',
      `DELETE /v2.1/subscriptions/${id}`,
    ]);
  });
});

describe('parseWebhookNotification', () => {
  it('tolerates both spellings of modifiedEntites', () => {
    expect(parseWebhookNotification({ modifiedEntites: ['Person'], deletedEntities: true })).toEqual({
      modified: ['Person'],
      deletedEntities: true,
    });
    expect(parseWebhookNotification({ modifiedEntities: ['Group', 'Person'] })).toEqual({
      modified: ['Group', 'Person'],
      deletedEntities: false,
    });
    expect(parseWebhookNotification('junk')).toEqual({ modified: [], deletedEntities: false });
  });
});
