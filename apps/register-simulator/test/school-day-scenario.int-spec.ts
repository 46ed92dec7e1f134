import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Group, type Person, Ss12000Client, StaticBearerAuth } from '@skolkonto/ss12000';
import { startSimulator, TOKEN, type SimulatorHarness } from './support/simulator-harness';

let sim: SimulatorHarness;
let hooks: Server;
const received: { tenant: string; body: any }[] = [];
let firstLeaver = '';

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ tenant: (req.url ?? '').slice(1), body: JSON.parse(text) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  sim = await startSimulator([
    { id: 'skara', name: 'Skara kommun', municipalityCode: '1495', persons: 80 },
    { id: 'lidkoping', name: 'Lidköpings kommun', municipalityCode: '1494', persons: 80 },
    { id: 'gotene', name: 'Götene kommun', municipalityCode: '1471', persons: 60 },
  ]);
});

afterAll(async () => {
  await sim?.close();
  hooks?.closeAllConnections();
  await new Promise<void>((r) => hooks?.close(() => r()) ?? r());
});

const client = (tenant: string) =>
  new Ss12000Client({
    baseUrl: sim.baseUrl(tenant),
    auth: new StaticBearerAuth(TOKEN(tenant)),
    pageSize: 1000,
  });

const today = () => new Date().toISOString().slice(0, 10);
const activeIn = (g: Group, personId: string) =>
  (g.groupMemberships ?? []).some((m) => m.person.id === personId && (!m.endDate || m.endDate >= today()));

describe('register simulator: the school-day scenario', () => {
  it('refuses without the admin token', async () => {
    const res = await fetch(`${sim.url}/admin/scenarios/school-day`, { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('makes a new pupil, a class change, a leaver and a move, visible in the registers and as webhooks', async () => {
    const port = (hooks.address() as AddressInfo).port;
    for (const tenant of ['skara', 'lidkoping', 'gotene']) {
      await client(tenant).createSubscription({
        name: `demo-${tenant}`,
        target: `http://127.0.0.1:${port}/${tenant}`,
        resourceTypes: [{ resource: 'Person' }, { resource: 'Group' }],
      });
    }

    const res = await sim.admin('POST', '/scenarios/school-day');

    expect(res.status).toBe(201);
    const changes = res.body.changes as Array<Record<string, string>>;
    expect(changes.map((c) => [c.kind, c.tenant])).toEqual([
      ['enrolled', 'skara'],
      ['class-changed', 'lidkoping'],
      ['left', 'gotene'],
      ['moved', 'skara'],
    ]);
    expect(new Set(changes.map((c) => c.personId)).size).toBe(4);
    for (const c of changes) expect(c.description).toContain(c.name);

    const [enrolled, switched, left, moved] = changes;
    const skaraPersons = (await client('skara').readAll('persons')).records;
    expect(skaraPersons.find((p) => p.id === enrolled.personId)).toMatchObject({ personStatus: 'Aktiv' });
    const skaraClasses = (await client('skara').readAll('groups', { params: { groupType: 'Klass' } }))
      .records;
    expect(skaraClasses.some((g) => activeIn(g, enrolled.personId))).toBe(true);

    const lidClasses = (await client('lidkoping').readAll('groups', { params: { groupType: 'Klass' } }))
      .records;
    const nowIn = lidClasses.filter((g) => activeIn(g, switched.personId)).map((g) => g.displayName);
    expect(nowIn).toEqual([switched.toClass]);
    expect(switched.fromClass).not.toBe(switched.toClass);

    firstLeaver = left.personId;
    const leaver = (await client('gotene').get('persons', left.personId)).records[0] as Person;
    const open = (leaver.enrolments ?? []).filter((e) => !e.cancelled);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((e) => e.endDate !== undefined && e.endDate <= today())).toBe(true);

    const mover = skaraPersons.find((p) => p.id === moved.personId)!;
    const arrived = (await client('lidkoping').readAll('persons')).records.find(
      (p) => p.id === moved.toPersonId,
    )!;
    expect(arrived.civicNo?.value).toBe(mover.civicNo?.value);
    expect(lidClasses.some((g) => activeIn(g, arrived.id))).toBe(true);

    await sim.webhooksSettled();
    expect([...new Set(received.map((r) => r.tenant))].sort()).toEqual(['gotene', 'lidkoping', 'skara']);
  });

  it('never picks a protected pupil nor one who already left, and says so when none is left', async () => {
    expect(firstLeaver).not.toBe('');
    const people = (await sim.admin('GET', '/tenants/gotene/persons?kind=pupil&limit=1000')).body as Array<{
      id: string;
      classes: string[];
    }>;
    const inClass = people.filter((p) => p.classes.length > 0 && p.id !== firstLeaver);
    const keep = inClass[0];
    for (const p of inClass.slice(1)) await sim.admin('POST', `/tenants/gotene/persons/${p.id}/protect`, {});

    const res = await sim.admin('POST', '/scenarios/school-day');

    expect(res.status).toBe(201);
    expect(res.body.changes[2]).toMatchObject({ kind: 'left', personId: keep.id });
    const skaraBefore = (await sim.admin('GET', '/tenants/skara/persons?limit=1000')).body.length;
    const again = await sim.admin('POST', '/scenarios/school-day');
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('gotene');
    // nothing half-done: no new pupil enrolled in Skara before the refusal
    expect((await sim.admin('GET', '/tenants/skara/persons?limit=1000')).body.length).toBe(skaraBefore);
  });
});
