import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Group, type Person, Ss12000Client, StaticBearerAuth } from '@skolkonto/ss12000';
import { startSimulator, TOKEN, type SimulatorHarness } from './support/simulator-harness';

/** A webhook subscriber: records every POST it receives. */
class WebhookReceiver {
  readonly received: { path: string; body: any }[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', body: JSON.parse(text) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

let sim: SimulatorHarness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
  sim = await startSimulator([
    { id: 'lidkoping', name: 'Lidköpings kommun', municipalityCode: '1494', persons: 150 },
    { id: 'gotene', name: 'Götene kommun', municipalityCode: '1471', persons: 60 },
  ]);
});

afterAll(async () => {
  await sim?.close();
  await receiver?.stop();
});

const client = (tenant = 'lidkoping') =>
  new Ss12000Client({
    baseUrl: sim.baseUrl(tenant),
    auth: new StaticBearerAuth(TOKEN(tenant)),
    pageSize: 1000,
  });

async function latestModified(tenant = 'lidkoping'): Promise<string> {
  const c = client(tenant);
  let max = '';
  for (const entity of ['persons', 'groups', 'duties', 'organisations'] as const) {
    for (const r of (await c.readAll(entity)).records) if (r.meta!.modified > max) max = r.meta!.modified;
  }
  return max;
}

const used = new Set<string>();

/** A pupil no earlier test has touched, currently in a class (not förskoleklass) with classmates. */
async function aPupilInAClass(
  tenant = 'lidkoping',
): Promise<{ pupil: Person; klass: Group; classes: Group[] }> {
  const classes = (await client(tenant).readAll('groups', { params: { groupType: 'Klass' } })).records;
  const fresh = (g: Group) => (g.groupMemberships ?? []).filter((m) => !m.endDate && !used.has(m.person.id));
  const klass = classes.find((g) => fresh(g).length > 1 && !g.displayName.startsWith('F'))!;
  const pupilId = fresh(klass)[0].person.id;
  used.add(pupilId);
  const pupil = (await client(tenant).get('persons', pupilId)).records[0];
  return { pupil, klass, classes };
}

describe('register simulator: mutations as real life does them', () => {
  it('rename bumps only that person, and a delta read after the previous watermark returns just it', async () => {
    const { pupil } = await aPupilInAClass();
    const watermark = await latestModified();

    const res = await sim.admin('POST', `/tenants/lidkoping/persons/${pupil.id}/rename`, {
      givenName: 'Åsa-Märta',
      familyName: 'Öberg Lindén',
    });

    expect(res.status).toBe(200);
    const c = client();
    const persons = await c.readAll('persons', { modifiedAfter: watermark });
    expect(persons.records.map((p) => [p.id, p.givenName, p.familyName])).toEqual([
      [pupil.id, 'Åsa-Märta', 'Öberg Lindén'],
    ]);
    expect(persons.records[0].meta!.created).toBe(pupil.meta!.created);
    expect((await c.readAll('groups', { modifiedAfter: watermark })).records).toEqual([]);
    expect(
      (await c.readAll('persons', { modifiedAfter: persons.records[0].meta!.modified })).records,
    ).toEqual([]);
  });

  it('change of class bumps the two classes, not the person', async () => {
    const { pupil, klass, classes } = await aPupilInAClass();
    const target = classes.find((g) => g.organisation.id === klass.organisation.id && g.id !== klass.id)!;
    const watermark = await latestModified();

    const res = await sim.admin('POST', `/tenants/lidkoping/persons/${pupil.id}/change-class`, {
      classId: target.id,
      date: '2026-11-30',
    });

    expect(res.status).toBe(200);
    const groups = (await client().readAll('groups', { modifiedAfter: watermark })).records;
    expect(groups.map((g) => g.id).sort()).toEqual([klass.id, target.id].sort());
    const old = groups.find((g) => g.id === klass.id)!;
    expect(old.groupMemberships!.find((m) => m.person.id === pupil.id)!.endDate).toBe('2026-11-29');
    const now = groups.find((g) => g.id === target.id)!;
    expect(now.groupMemberships!.find((m) => m.person.id === pupil.id)).toMatchObject({
      startDate: '2026-11-30',
    });
    expect((await client().readAll('persons', { modifiedAfter: watermark })).records).toEqual([]);
  });

  it('leave school ends enrolments and memberships; protect marks the person and every reference', async () => {
    const { pupil, klass } = await aPupilInAClass();
    await sim.admin('POST', `/tenants/lidkoping/persons/${pupil.id}/leave`, { endDate: '2026-12-18' });
    const left = (await client().get('persons', pupil.id)).records[0];
    expect(
      left
        .enrolments!.filter((e) => !e.cancelled)
        .every((e) => e.endDate !== undefined && e.endDate <= '2026-12-18'),
    ).toBe(true);
    const oldClass = (await client().get('groups', klass.id)).records[0];
    expect(oldClass.groupMemberships!.find((m) => m.person.id === pupil.id)!.endDate).toBe('2026-12-18');

    const { pupil: other, klass: otherClass } = await aPupilInAClass('gotene');
    await sim.admin('POST', `/tenants/gotene/persons/${other.id}/protect`, {
      securityMarking: 'Skyddad folkbokföring',
    });
    expect((await client('gotene').get('persons', other.id)).records[0].securityMarking).toBe(
      'Skyddad folkbokföring',
    );
    const marked = (await client('gotene').get('groups', otherClass.id)).records[0];
    expect(marked.groupMemberships!.find((m) => m.person.id === other.id)!.person.securityMarking).toBe(
      'Skyddad folkbokföring',
    );
  });

  it('enrols a new pupil into a class and deceased sets personStatus Avliden', async () => {
    const res = await sim.admin('POST', '/tenants/gotene/enrol', {
      givenName: 'Zoë',
      familyName: 'Ågren',
      schoolYear: 3,
    });
    expect(res.status).toBe(201);
    const { personId, classId } = res.body;
    const person = (await client('gotene').get('persons', personId)).records[0];
    expect(person).toMatchObject({ givenName: 'Zoë', familyName: 'Ågren', personStatus: 'Aktiv' });
    expect(person.enrolments).toEqual([expect.objectContaining({ schoolType: 'GR', schoolYear: 3 })]);
    const klass = (await client('gotene').get('groups', classId)).records[0];
    expect(klass.displayName.startsWith('3')).toBe(true);
    expect(klass.groupMemberships!.some((m) => m.person.id === personId)).toBe(true);

    await sim.admin('POST', `/tenants/gotene/persons/${personId}/status`, {
      personStatus: 'Avliden',
      date: '2026-12-01',
    });
    const dead = (await client('gotene').get('persons', personId)).records[0];
    expect(dead.personStatus).toBe('Avliden');
    expect(dead.enrolments![0].endDate).toBe('2026-12-01');
  });

  it('moves a pupil to another municipality: ended here, enrolled there with the same civic number', async () => {
    const { pupil } = await aPupilInAClass();
    const res = await sim.admin('POST', `/tenants/lidkoping/persons/${pupil.id}/move`, {
      toTenant: 'gotene',
      date: '2026-12-07',
    });
    expect(res.status).toBe(200);
    const here = (await client().get('persons', pupil.id)).records[0];
    expect(
      here
        .enrolments!.filter((e) => !e.cancelled)
        .every((e) => e.endDate !== undefined && e.endDate <= '2026-12-06'),
    ).toBe(true);
    const there = (await client('gotene').get('persons', res.body.toPersonId)).records[0];
    expect(there.civicNo!.value).toBe(pupil.civicNo!.value);
    expect(there.id).not.toBe(pupil.id);
    expect(there.enrolments!.at(-1)).toMatchObject({ startDate: '2026-12-07' });
  });

  it('delete removes the record and lists it under /deletedEntities (exclusive after)', async () => {
    const { pupil, klass } = await aPupilInAClass('gotene');
    const watermark = await latestModified('gotene');

    const res = await sim.admin('DELETE', `/tenants/gotene/persons/${pupil.id}`);

    expect(res.status).toBe(200);
    expect((await client('gotene').get('persons', pupil.id)).found).toBe(false);
    const deleted = await client('gotene').readDeletedEntities({
      after: watermark,
      entities: ['Person', 'Group'],
    });
    expect(deleted.complete).toBe(true);
    expect(deleted.deleted.persons).toEqual([pupil.id]);
    expect(deleted.deleted.groups).toEqual([]);
    const raw = await sim.get(
      'gotene',
      `/deletedEntities?after=${encodeURIComponent(watermark)}&entities=Person`,
    );
    expect(Object.keys(raw.body.data)).toEqual(['persons']);
    const at = res.body.change.at as string;
    expect((await client('gotene').readDeletedEntities({ after: at })).deleted.persons).toEqual([]);
    const klassAfter = (await client('gotene').get('groups', klass.id)).records[0];
    expect(klassAfter.groupMemberships!.some((m) => m.person.id === pupil.id)).toBe(false);
  });
});

describe('register simulator: subscriptions and webhooks', () => {
  it('POSTs {modifiedEntites, deletedEntities} to subscribers of the changed resource types only', async () => {
    const c = client('gotene');
    const persons = await c.createSubscription({
      name: 'persons',
      target: `${receiver.url}/hook/persons?secret=s3`,
      resourceTypes: [{ resource: 'Person' }],
    });
    const groups = await c.createSubscription({
      name: 'groups',
      target: `${receiver.url}/hook/groups`,
      resourceTypes: [{ resource: 'Group' }],
    });
    expect(Date.parse(persons.expires)).toBeGreaterThan(Date.now());
    expect((await c.listSubscriptions()).map((s) => s.id).sort()).toEqual([persons.id, groups.id].sort());
    const { pupil, klass, classes } = await aPupilInAClass('gotene');
    receiver.received.length = 0;

    await sim.admin('POST', `/tenants/gotene/persons/${pupil.id}/rename`, { familyName: 'Hammarskjöld' });
    await sim.webhooksSettled();
    expect(receiver.received).toEqual([
      { path: '/hook/persons?secret=s3', body: { modifiedEntites: ['Person'], deletedEntities: false } },
    ]);

    receiver.received.length = 0;
    const target = classes.find((g) => g.organisation.id === klass.organisation.id && g.id !== klass.id)!;
    await sim.admin('POST', `/tenants/gotene/persons/${pupil.id}/change-class`, { classId: target.id });
    await sim.webhooksSettled();
    expect(receiver.received).toEqual([
      { path: '/hook/groups', body: { modifiedEntites: ['Group'], deletedEntities: false } },
    ]);

    receiver.received.length = 0;
    await sim.admin('DELETE', `/tenants/gotene/persons/${pupil.id}`);
    await sim.webhooksSettled();
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/hook/groups', '/hook/persons?secret=s3']);
    expect(receiver.received.find((r) => r.path.startsWith('/hook/persons'))!.body).toEqual({
      modifiedEntites: [],
      deletedEntities: true,
    });

    const renewed = await c.renewSubscription(persons.id);
    expect(renewed.id).toBe(persons.id);
    await c.deleteSubscription(persons.id);
    await c.deleteSubscription(groups.id);
    receiver.received.length = 0;
    await sim.admin('POST', `/tenants/gotene/enrol`, {
      givenName: 'Noé',
      familyName: 'Lindqvist',
      schoolYear: 2,
    });
    await sim.webhooksSettled();
    expect(receiver.received).toEqual([]);
    const deliveries = await sim.admin('GET', '/webhook-deliveries?tenant=gotene');
    expect(deliveries.body.every((d: { target: string }) => !d.target.includes('secret'))).toBe(true);
  });

  it('does not notify another tenant’s subscribers', async () => {
    const sub = await client('lidkoping').createSubscription({
      name: 'x',
      target: `${receiver.url}/lid`,
      resourceTypes: [{ resource: 'Person' }],
    });
    receiver.received.length = 0;
    const { pupil } = await aPupilInAClass('gotene');
    await sim.admin('POST', `/tenants/gotene/persons/${pupil.id}/rename`, { givenName: 'Ella' });
    await sim.webhooksSettled();
    expect(receiver.received).toEqual([]);
    await client('lidkoping').deleteSubscription(sub.id);
  });
});
