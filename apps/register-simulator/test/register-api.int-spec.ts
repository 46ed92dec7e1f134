import { randomUUID } from 'node:crypto';
import { Ss12000Client, StaticBearerAuth, validateRecord, type Person } from '@skolkonto/ss12000';
import { startSimulator, TOKEN, type SimulatorHarness } from './support/simulator-harness';

let sim: SimulatorHarness;

beforeAll(async () => {
  sim = await startSimulator([
    { id: 'skara', name: 'Skara kommun', municipalityCode: '1495', persons: 120 },
    { id: 'essunga', name: 'Essunga kommun', municipalityCode: '1445', persons: 40 },
  ]);
});

afterAll(async () => {
  await sim?.close();
});

afterEach(async () => {
  await sim.admin('DELETE', '/faults');
});

const client = (tenant = 'skara', pageSize = 25) =>
  new Ss12000Client({
    baseUrl: sim.baseUrl(tenant),
    auth: new StaticBearerAuth(TOKEN(tenant)),
    pageSize,
    backoffBaseMs: 10,
  });

describe('register simulator: SS 12000 read API', () => {
  it('serves the seeded register, every record valid by the spec, over several pages', async () => {
    const c = client();
    const persons = await c.readAll('persons');
    const orgs = await c.readAll('organisations');
    const groups = await c.readAll('groups');
    const duties = await c.readAll('duties');

    for (const r of [persons, orgs, groups, duties]) {
      expect(r.complete).toBe(true);
      expect(r.rejections).toEqual([]);
    }
    expect(persons.records).toHaveLength(120);
    expect(persons.pages).toBe(5);
    expect(new Set(persons.records.map((p) => p.id)).size).toBe(120);
    expect(orgs.records.filter((o) => o.organisationType === 'Huvudman').map((o) => o.displayName)).toEqual([
      'Skara kommun',
    ]);
    const units = orgs.records.filter((o) => o.organisationType === 'Skolenhet');
    expect(units.length).toBeGreaterThan(0);
    for (const unit of units) expect(unit.schoolUnitCode).toMatch(/^\d{8}$/);
    expect(groups.records.some((g) => g.groupType === 'Klass')).toBe(true);
    expect(groups.records.some((g) => g.groupType === 'Undervisning')).toBe(true);
    expect(duties.records.some((d) => d.dutyRole === 'Rektor')).toBe(true);
    expect(duties.records.some((d) => d.dutyRole === 'Lärare')).toBe(true);
  });

  it('keeps each tenant to its own register', async () => {
    const essunga = await client('essunga').readAll('persons');
    const skara = await client('skara').readAll('persons');
    expect(essunga.records).toHaveLength(40);
    const skaraIds = new Set(skara.records.map((p) => p.id));
    expect(essunga.records.some((p) => skaraIds.has(p.id))).toBe(false);
  });

  it('answers 401 without the tenant token, with another tenant token, and 404 for an unknown tenant', async () => {
    expect((await sim.get('skara', '/persons', '')).status).toBe(401);
    expect((await sim.get('skara', '/persons', 'wrong')).status).toBe(401);
    expect((await sim.get('skara', '/persons', TOKEN('essunga'))).status).toBe(401);
    expect((await sim.get('skara', '/persons', TOKEN('essunga'))).headers.get('www-authenticate')).toBe(
      'Bearer',
    );
    expect((await sim.get('nowhere', '/persons', TOKEN('skara'))).status).toBe(404);
    expect((await sim.admin('GET', '/tenants')).status).toBe(200);
    const noAdmin = await fetch(`${sim.url}/admin/tenants`, {
      headers: { authorization: `Bearer ${TOKEN('skara')}` },
    });
    expect(noAdmin.status).toBe(401);
  });

  it('refuses filters on later pages, as the spec says', async () => {
    const first = await sim.get('skara', '/persons?limit=10&meta.modified.after=2000-01-01T00:00:00Z');
    expect(first.status).toBe(200);
    expect(typeof first.body.pageToken).toBe('string');
    const token = encodeURIComponent(first.body.pageToken);
    const second = await sim.get('skara', `/persons?limit=10&pageToken=${token}`);
    expect(second.status).toBe(200);
    expect(second.body.data[0].id > first.body.data[9].id).toBe(true);
    const refiltered = await sim.get(
      'skara',
      `/persons?limit=10&pageToken=${token}&meta.modified.after=2000-01-01T00:00:00Z`,
    );
    expect(refiltered.status).toBe(400);
    expect(refiltered.body.code).toBe('FILTER_WITH_PAGE_TOKEN');
    expect((await sim.get('skara', '/persons?pageToken=garbage')).status).toBe(400);
    expect((await sim.get('skara', '/groups?limit=0')).status).toBe(400);
    expect((await sim.get('skara', '/groups?meta.modified.after=yesterday')).status).toBe(400);
  });

  it('treats meta.modified.after as exclusive', async () => {
    const all = (await client().readAll('persons')).records;
    const sorted = [...all].sort((a, b) => Date.parse(a.meta!.modified) - Date.parse(b.meta!.modified));
    const pivot = sorted[Math.floor(sorted.length / 2)];
    const at = pivot.meta!.modified;
    const expected = all
      .filter((p) => Date.parse(p.meta!.modified) > Date.parse(at))
      .map((p) => p.id)
      .sort();

    const delta = await client().readAll('persons', { modifiedAfter: at });

    expect(delta.records.map((p) => p.id).sort()).toEqual(expected);
    expect(delta.records.some((p) => p.id === pivot.id)).toBe(false);
    const justBefore = new Date(Date.parse(at) - 1).toISOString();
    const withPivot = await client().readAll('persons', { modifiedAfter: justBefore });
    expect(withPivot.records.some((p) => p.id === pivot.id)).toBe(true);
  });

  it('filters groups by type and organisation, and finds records by id and lookup', async () => {
    const classes = await client().readAll('groups', { params: { groupType: 'Klass' } });
    expect(classes.records.length).toBeGreaterThan(0);
    expect(classes.records.every((g) => g.groupType === 'Klass')).toBe(true);
    const unitId = classes.records[0].organisation.id;
    const atUnit = await client().readAll('groups', { params: { organisation: unitId } });
    expect(atUnit.records.every((g) => g.organisation.id === unitId)).toBe(true);

    const persons = (await client().readAll('persons')).records;
    const one = await client().get('persons', persons[3].id);
    expect(one).toEqual({ found: true, records: [persons[3]], rejections: [] });
    expect((await client().get('persons', randomUUID())).found).toBe(false);
    const byCivic = await client().lookup('persons', { civicNos: [persons[7].civicNo!.value] });
    expect(byCivic.records.map((p) => p.id)).toEqual([persons[7].id]);
    const byIds = await client().lookup('groups', { ids: [classes.records[0].id] });
    expect(byIds.records).toEqual([classes.records[0]]);
  });

  it('has realistic persons: valid civic numbers, protected identities, Swedish names, several enrolments', async () => {
    const { records } = await client('skara', 500).readAll('persons');
    for (const p of records) expect(validateRecord('persons', p).ok).toBe(true);
    expect(records.some((p) => p.securityMarking === 'Skyddad folkbokföring')).toBe(true);
    expect(records.some((p) => p.securityMarking === 'Sekretessmarkering')).toBe(true);
    expect(records.some((p) => /[åäöéÅÄÖ]/.test(`${p.givenName}${p.familyName}`))).toBe(true);
    expect(records.some((p: Person) => (p.enrolments ?? []).some((e) => e.endDate))).toBe(true);
    expect(records.some((p: Person) => p.middleName)).toBe(true);
  });
});

describe('register simulator: faults for tests', () => {
  it('fails page 3 once with 500; the client retries and completes', async () => {
    await sim.admin('POST', '/faults', {
      kind: 'status',
      tenant: 'skara',
      entity: 'persons',
      page: 3,
      status: 500,
    });
    const retries: number[] = [];
    const c = new Ss12000Client({
      baseUrl: sim.baseUrl('skara'),
      auth: new StaticBearerAuth(TOKEN('skara')),
      pageSize: 25,
      backoffBaseMs: 10,
      onRetry: (r) => retries.push(r.attempt),
    });
    const result = await c.readAll('persons');
    expect(result.complete).toBe(true);
    expect(result.records).toHaveLength(120);
    expect(retries).toEqual([1]);
  });

  it('hands out tokens forever when asked to; the client stops with PAGE_LIMIT', async () => {
    await sim.admin('POST', '/faults', { kind: 'endlessTokens', tenant: 'skara', entity: 'groups' });
    const c = new Ss12000Client({
      baseUrl: sim.baseUrl('skara'),
      auth: new StaticBearerAuth(TOKEN('skara')),
      pageSize: 50,
      maxPages: 20,
    });
    const result = await c.readAll('groups');
    expect(!result.complete && result.error.code).toBe('PAGE_LIMIT');
  });

  it('repeats a token when asked to; the client stops with PAGING_LOOP', async () => {
    await sim.admin('POST', '/faults', { kind: 'repeatToken', tenant: 'skara', entity: 'persons' });
    const result = await client().readAll('persons');
    expect(!result.complete && result.error.code).toBe('PAGING_LOOP');
  });

  it('rate limits with Retry-After; the client waits and completes', async () => {
    await sim.admin('POST', '/faults', {
      kind: 'rateLimit',
      tenant: 'skara',
      entity: 'duties',
      page: 1,
      retryAfterSeconds: 1,
    });
    const started = Date.now();
    const result = await client().readAll('duties');
    expect(result.complete).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('serves a record broken on purpose, which the client rejects while the rest flows', async () => {
    const persons = (await client().readAll('persons')).records;
    const target = persons[10];
    const patched = await sim.admin('PATCH', `/tenants/skara/raw/persons/${target.id}`, {
      sex: 'Robot',
      familyName: null,
    });
    expect(patched.status).toBe(200);
    const result = await client().readAll('persons');
    expect(result.complete).toBe(true);
    expect(result.records).toHaveLength(119);
    expect(result.rejections).toEqual([
      { entity: 'Person', id: target.id, reason: 'familyName is missing; sex has unknown value "Robot"' },
    ]);
    await sim.admin('PUT', `/tenants/skara/raw/persons/${target.id}`, target);
  });
});
