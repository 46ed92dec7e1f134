// register-ingest end to end: the real register simulator (its own process, HTTP only), the real
// ingest app (HTTP, PostgreSQL, outbox relay) and real NATS JetStream. Each test uses its own
// tenant, so tests share the two processes but never each other's data.
import { randomUUID } from 'node:crypto';
import { EVENTS } from '@skolkonto/contracts';
import { EventPublisher } from '@skolkonto/messaging';
import { IngestHarness, startIngest } from './support/ingest-harness';
import { SimulatorProcess, startSimulator } from './support/simulator-process';

const TENANTS = ['initial', 'rename', 'klass', 'removal', 'flaky', 'endless', 'invalid', 'webhook', 'hold', 'approval', 'announce'] as const;
type Tenant = (typeof TENANTS)[number];
const PERSONS = 40;
const token = (tenant: string) => `register-token-${tenant}-0123456789`;
const secret = (tenant: string) => `webhook-secret-${tenant}-0123456789`;

const ENTITY_OF: Record<string, 'persons' | 'groups' | 'organisations' | 'duties'> = {
  person: 'persons',
  group: 'groups',
  organisation: 'organisations',
  duty: 'duties',
};

describe('register-ingest against the SS 12000 simulator', () => {
  let simulator: SimulatorProcess;
  let ingest: IngestHarness;

  beforeAll(async () => {
    simulator = await startSimulator(TENANTS.map((id, i) => ({ id, municipalityCode: String(1400 + i), persons: PERSONS, token: token(id) })));
    ingest = await startIngest(
      TENANTS.map((id) => ({ id, municipalityCode: '1401', baseUrl: simulator.baseUrl(id), webhookSecret: secret(id), registerToken: token(id) })),
      {
        env: {
          INGEST_PAGE_SIZE: '10',
          INGEST_MAX_PAGES: '50',
          INGEST_REGISTER_RETRIES: '1',
          INGEST_REGISTER_BACKOFF_MS: '10',
          INGEST_FULL_READ_ATTEMPTS: '3',
        },
      },
    );
  }, 240_000);

  afterAll(async () => {
    await ingest?.close();
    await simulator?.stop();
  });

  /** REGISTER events of one tenant published so far, with its sync announcements. */
  async function registerStream(tenant: Tenant) {
    await ingest.flushed();
    return (await ingest.events('REGISTER')).filter((event) => event.subject.startsWith(`register.${tenant}.`));
  }

  const SYNC_COMPLETED = (tenant: Tenant) => `register.${tenant}.sync.completed`;

  /** The register's records as published for one tenant (without the sync announcements). */
  async function registerEvents(tenant: Tenant) {
    return (await registerStream(tenant)).filter((event) => event.subject !== SYNC_COMPLETED(tenant));
  }

  async function syncsCompleted(tenant: Tenant) {
    return (await registerStream(tenant)).filter((event) => event.subject === SYNC_COMPLETED(tenant));
  }

  async function opsEvents(tenant: Tenant) {
    await ingest.flushed();
    return (await ingest.events('OPS')).filter((event) => event.subject.startsWith(`ops.${tenant}.`));
  }

  async function fullSync(tenant: Tenant) {
    const result = await ingest.scheduler.requestFull(tenant, 'manual');
    expect(result).toMatchObject({ outcome: 'succeeded' });
    return result;
  }

  /** Events published after `before` events had been. */
  async function newEvents(tenant: Tenant, before: number) {
    return (await registerEvents(tenant)).slice(before);
  }

  async function aPupilWithAClass(tenant: Tenant) {
    const groups = await simulator.list(tenant, 'groups');
    const today = new Date().toISOString().slice(0, 10);
    const classes = groups.filter((g) => g.groupType === 'Klass');
    for (const from of classes) {
      const member = (from.groupMemberships ?? []).find(
        (m: { startDate?: string; endDate?: string }) => (!m.startDate || m.startDate <= today) && (!m.endDate || m.endDate >= today),
      );
      const to = classes.find((g) => g.id !== from.id && g.organisation.id === from.organisation.id);
      if (member && to) return { personId: member.person.id as string, from: from.id as string, to: to.id as string };
    }
    throw new Error('the seeded register has no pupil with a class and a second class at the same unit');
  }

  it('emits exactly one event per entity on the initial full sync, and nothing on a repeat', async () => {
    await fullSync('initial');
    const events = await registerEvents('initial');
    for (const [entity, path] of Object.entries(ENTITY_OF)) {
      const expected = (await simulator.list('initial', path)).map((record) => record.id).sort();
      const got = events.filter((event) => event.subject === `register.initial.${entity}.upserted`).map((event) => event.subjectId);
      expect(got.sort()).toEqual(expected);
    }
    let total = 0;
    for (const path of Object.values(ENTITY_OF)) total += (await simulator.list('initial', path)).length;
    expect(events).toHaveLength(total);
    expect(total).toBeGreaterThan(PERSONS);
    // Schools, groups and duties reach the stream before the persons who refer to them, so a
    // newcomer's first identity version is complete (one version, one AD add, not two).
    const entityOrder = events.map((event) => event.subject.split('.')[2]).filter((entity, i, all) => entity !== all[i - 1]);
    expect(entityOrder).toEqual(['organisation', 'group', 'duty', 'person']);
    await fullSync('initial');
    await ingest.scheduler.requestDelta('initial', 'manual');
    expect(await registerEvents('initial')).toHaveLength(events.length);
  });

  it('emits one person event for a rename', async () => {
    await fullSync('rename');
    const before = (await registerEvents('rename')).length;
    const person = (await simulator.list('rename', 'persons'))[0];
    await simulator.admin('POST', `/tenants/rename/persons/${person.id}/rename`, { givenName: 'Åsa-Märta' });
    await ingest.scheduler.requestDelta('rename', 'manual');
    const events = await newEvents('rename', before);
    expect(events.map((event) => [event.subject, event.subjectId])).toEqual([['register.rename.person.upserted', person.id]]);
    expect(events[0]!.data.record.givenName).toBe('Åsa-Märta');
    expect(events[0]!.data.cause).toBe('delta');
  });

  it('emits a group event for each class a class change touches, and no person event', async () => {
    await fullSync('klass');
    const before = (await registerEvents('klass')).length;
    const { personId, from, to } = await aPupilWithAClass('klass');
    const outcome = await simulator.admin('POST', `/tenants/klass/persons/${personId}/change-class`, { classId: to });
    const changed = (outcome.change.modified as { entity: string; id: string }[]).filter((m) => m.entity === 'groups').map((m) => m.id).sort();
    expect(changed).toContain(to);
    await ingest.scheduler.requestDelta('klass', 'manual');
    const events = await newEvents('klass', before);
    expect(events.filter((event) => event.subject.startsWith('register.klass.person.'))).toEqual([]);
    expect(events.map((event) => event.subjectId).sort()).toEqual(changed);
    expect(new Set(events.map((event) => event.subject))).toEqual(new Set(['register.klass.group.upserted']));
    const toEvent = events.find((event) => event.subjectId === to)!;
    expect(toEvent.data.record.groupMemberships.map((m: { person: { id: string } }) => m.person.id)).toContain(personId);
    // Not redundant: the old class's record changed too (the membership ended), and a subscriber that
    // keeps each group's last record would otherwise still count the pupil in it.
    expect(changed).toContain(from);
    const fromEvent = events.find((event) => event.subjectId === from)!;
    const ended = (fromEvent.data.record.groupMemberships as { person: { id: string }; endDate?: string }[]).filter((m) => m.person.id === personId);
    expect(ended.length).toBeGreaterThan(0);
    for (const membership of ended) expect(membership.endDate! <= new Date().toISOString().slice(0, 10)).toBe(true);
  });

  it('emits a deleted event when the register removes a person', async () => {
    await fullSync('removal');
    const before = (await registerEvents('removal')).length;
    const person = (await simulator.list('removal', 'persons'))[5];
    await simulator.admin('DELETE', `/tenants/removal/persons/${person.id}`);
    await ingest.scheduler.requestDelta('removal', 'manual');
    const events = await newEvents('removal', before);
    const deleted = events.filter((event) => event.subject === 'register.removal.person.deleted');
    expect(deleted.map((event) => [event.subjectId, event.data.detectedBy])).toEqual([[person.id, 'deletedEntities']]);
    // A second pull sees the same deletion again (overlap) and emits nothing.
    await ingest.scheduler.requestDelta('removal', 'manual');
    expect(await registerEvents('removal')).toHaveLength(before + events.length);
  });

  it('retries a full read that fails on page 3 and never emits deletions from the failed read', async () => {
    await fullSync('flaky');
    const before = (await registerEvents('flaky')).length;
    const announced = (await syncsCompleted('flaky')).length;
    // Two failures: the client's own retry of page 3 fails too, so the first read attempt fails.
    await simulator.admin('POST', '/faults', { kind: 'status', tenant: 'flaky', entity: 'persons', page: 3, status: 500, times: 2 });
    const retried = await ingest.scheduler.requestFull('flaky', 'manual');
    expect(retried.outcome).toBe('succeeded');
    const run = await ingest.prisma.ingestSyncRun.findUniqueOrThrow({ where: { id: retried.runId } });
    expect(run).toMatchObject({ attempts: 2, complete: true });
    const faults = (await simulator.admin('GET', '/faults')) as { tenant?: string; hits: number }[];
    expect(faults.filter((fault) => fault.tenant === 'flaky').map((fault) => fault.hits)).toEqual([2]);

    // A page 3 that never recovers: every attempt fails; the persons after page 2 are not deleted.
    await simulator.admin('DELETE', '/faults');
    await simulator.admin('POST', '/faults', { kind: 'status', tenant: 'flaky', entity: 'persons', page: 3, status: 503, times: 1000 });
    const failed = await ingest.scheduler.requestFull('flaky', 'manual');
    await simulator.admin('DELETE', '/faults');
    expect(failed.outcome).toBe('failed');
    expect(failed.error).toMatch(/full read incomplete after 3 attempts, no deletions emitted/);
    const failedRun = await ingest.prisma.ingestSyncRun.findUniqueOrThrow({ where: { id: failed.runId } });
    expect(failedRun).toMatchObject({ complete: false, outcome: 'failed', attempts: 3 });
    const events = await newEvents('flaky', before);
    expect(events.filter((event) => event.subject.endsWith('.deleted'))).toEqual([]);
    expect(await ingest.prisma.ingestSourceSnapshot.count({ where: { tenant: 'flaky', deleted: true } })).toBe(0);
    // The retried read completed and is announced; the one that never completed is not.
    expect((await syncsCompleted('flaky')).map((event) => event.data.kind)).toEqual([...Array(announced).fill('full'), 'full']);
  });

  it('stops a read whose page tokens never end with a clear error, and deletes nothing', async () => {
    await fullSync('endless');
    const before = (await registerEvents('endless')).length;
    const announced = (await syncsCompleted('endless')).length;
    await simulator.admin('POST', '/faults', { kind: 'endlessTokens', tenant: 'endless', entity: 'persons' });
    try {
      const full = await ingest.scheduler.requestFull('endless', 'manual');
      expect(full.outcome).toBe('failed');
      expect(full.error).toMatch(/GET \/persons still had more pages after 50/);
      const delta = await ingest.scheduler.requestDelta('endless', 'manual');
      expect(delta.outcome).toBe('failed');
      expect(delta.error).toMatch(/more pages after 50/);
    } finally {
      await simulator.admin('DELETE', '/faults');
    }
    const events = await newEvents('endless', before);
    expect(events.filter((event) => event.subject.endsWith('.deleted'))).toEqual([]);
    expect(await syncsCompleted('endless')).toHaveLength(announced);
  });

  it('rejects invalid records one by one with reasons while the rest flows', async () => {
    const template = (await simulator.list('invalid', 'persons')).find((p) => p.civicNo?.value);
    const civic = String(template.civicNo.value);
    const wrongCheckDigit = civic.slice(0, 11) + String((Number(civic[11]) + 1) % 10);
    const bad = {
      civicNo: { id: randomUUID(), patch: { civicNo: { value: wrongCheckDigit, nationality: 'SE' } } },
      enumValue: { id: randomUUID(), patch: { sex: 'Robot', civicNo: undefined } },
      familyName: { id: randomUUID(), patch: { familyName: undefined, civicNo: undefined } },
    };
    for (const { id, patch } of Object.values(bad)) {
      const { meta: _meta, ...rest } = template;
      await simulator.admin('PUT', `/tenants/invalid/raw/persons/${id}`, { ...rest, ...patch, enrolments: [] });
    }
    await fullSync('invalid');
    const persons = await simulator.list('invalid', 'persons');
    const upserted = (await registerEvents('invalid')).filter((event) => event.subject === 'register.invalid.person.upserted');
    const badIds = Object.values(bad).map((b) => b.id);
    expect(upserted.map((event) => event.subjectId).sort()).toEqual(persons.map((p) => p.id).filter((id) => !badIds.includes(id)).sort());
    const rejected = (await opsEvents('invalid')).filter((event) => event.subject === 'ops.invalid.record.rejected');
    const byId = new Map(rejected.map((event) => [event.data.record.id, event.data]));
    expect([...byId.keys()].sort()).toEqual([...badIds].sort());
    expect(byId.get(bad.civicNo.id)).toMatchObject({ code: 'INVALID_CIVIC_NUMBER', sourceApp: 'register-ingest' });
    expect(byId.get(bad.enumValue.id)).toMatchObject({ code: 'UNKNOWN_ENUM', reasons: [expect.stringContaining('sex')] });
    expect(byId.get(bad.familyName.id)).toMatchObject({ code: 'MISSING_FIELD', reasons: [expect.stringContaining('familyName')] });
    expect(JSON.stringify(rejected)).not.toContain(wrongCheckDigit);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    const counted = metrics
      .split('\n')
      .filter((line) => line.startsWith('skolkonto_ingest_records_rejected_total{') && line.includes('tenant="invalid"'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(counted).toBe(3);
    // The same bad records on the next read are counted again but not re-announced.
    await fullSync('invalid');
    expect((await opsEvents('invalid')).filter((event) => event.subject === 'ops.invalid.record.rejected')).toHaveLength(3);
  });

  it('answers 401 to a webhook with a wrong secret and pulls at once on a right one', async () => {
    await fullSync('webhook');
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${ingest.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ modifiedEntites: ['Person'] }) });
    expect((await post('/webhooks/webhook', { authorization: 'Bearer wrong-secret' })).status).toBe(401);
    expect((await post('/webhooks/webhook?secret=wrong-secret')).status).toBe(401);
    expect((await post('/webhooks/webhook')).status).toBe(401);
    expect((await post(`/webhooks/no-such-tenant?secret=${secret('webhook')}`)).status).toBe(401);
    expect((await post('/webhooks/webhook', { authorization: `Bearer ${secret('rename')}` })).status).toBe(401);

    // The register's own webhook, through a subscription with the right secret in its target.
    const subscribe = await fetch(`${simulator.baseUrl('webhook')}/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('webhook')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ingest', target: `${ingest.url}/webhooks/webhook?secret=${secret('webhook')}`, resourceTypes: [{ resource: 'Person' }] }),
    });
    expect(subscribe.status).toBe(201);
    const before = (await registerEvents('webhook')).length;
    const person = (await simulator.list('webhook', 'persons'))[3];
    await simulator.admin('POST', `/tenants/webhook/persons/${person.id}/rename`, { familyName: 'Webhooksson' });
    const deadline = Date.now() + 10_000;
    let events = await newEvents('webhook', before);
    while (events.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      events = await newEvents('webhook', before);
    }
    expect(events.map((event) => [event.subject, event.subjectId, event.data.cause])).toEqual([['register.webhook.person.upserted', person.id, 'webhook']]);
    const deliveries = (await simulator.admin('GET', '/webhook-deliveries?tenant=webhook')) as { status?: number }[];
    expect(deliveries.map((d) => d.status)).toContain(202);
  });

  it('holds the deletions of a full read far smaller than before, and emits them once on approval', async () => {
    await fullSync('hold');
    const persons = await simulator.list('hold', 'persons');
    const removed = persons.slice(0, Math.ceil(persons.length / 2)).map((p) => p.id as string);
    for (const id of removed) await simulator.admin('DELETE', `/tenants/hold/persons/${id}`);
    const before = (await registerEvents('hold')).length;
    const announced = (await syncsCompleted('hold')).length;
    const result = await ingest.scheduler.requestFull('hold', 'manual');
    expect(result.outcome).toBe('held');
    // Its deletions wait for an operator: the register is not in step yet.
    expect(await syncsCompleted('hold')).toHaveLength(announced);
    // Removing persons also removed their duties: each entity type gets its own plan.
    const plans = (await (await fetch(`${ingest.url}/tenants/hold/plans`, { headers: { authorization: `Bearer ${ingest.adminToken}` } })).json()) as { id: string; entityType: string }[];
    const personPlan = plans.find((plan) => plan.entityType === 'Person')!;
    expect(personPlan).toMatchObject({ status: 'held', previousCount: persons.length, seenCount: persons.length - removed.length, deletions: removed.length });
    expect(result.heldPlanIds).toContain(personPlan.id);
    expect((await newEvents('hold', before)).filter((event) => event.subject.endsWith('.deleted'))).toEqual([]);
    const held = (await opsEvents('hold')).filter((event) => event.subject === 'ops.hold.plan.held' && event.subjectId === personPlan.id);
    expect(held).toHaveLength(1);
    expect(held[0]!.data.operations.map((op: { target: string }) => op.target.split(':').pop()).sort()).toEqual([...removed].sort());

    const approve = (authorization: string) =>
      fetch(`${ingest.url}/tenants/hold/plans/${personPlan.id}/approve`, { method: 'POST', headers: { authorization, 'x-operator': 'ops-anna' } });
    expect((await approve('Bearer not-the-operator-token')).status).toBe(401);
    const approved = await approve(`Bearer ${ingest.adminToken}`);
    expect(approved.status).toBe(201);
    expect(await approved.json()).toEqual({ deleted: removed.length });
    expect((await approve(`Bearer ${ingest.adminToken}`)).status).toBe(409);
    const deleted = (await newEvents('hold', before)).filter((event) => event.subject === 'register.hold.person.deleted');
    expect(deleted.map((event) => event.subjectId).sort()).toEqual([...removed].sort());
    // /deletedEntities reports the same ids on the next pull: nothing is emitted twice.
    await ingest.scheduler.requestDelta('hold', 'manual');
    expect((await newEvents('hold', before)).filter((event) => event.subject === 'register.hold.person.deleted')).toHaveLength(removed.length);
  });

  it('executes a plan it held when the ops console approves it on ops.<tenant>.plan.approved', async () => {
    await fullSync('approval');
    const persons = await simulator.list('approval', 'persons');
    const removed = persons.slice(0, Math.ceil(persons.length * 0.6)).map((p) => p.id as string);
    for (const id of removed) await simulator.admin('DELETE', `/tenants/approval/persons/${id}`);
    const result = await ingest.scheduler.requestFull('approval', 'manual');
    expect(result.outcome).toBe('held');
    const plan = await ingest.prisma.ingestHeldPlan.findFirstOrThrow({ where: { tenant: 'approval', entityType: 'Person' } });
    const publisher = new EventPublisher(ingest.messaging.connection.js, ingest.messaging.connection.options);
    const approval = { planId: plan.id, tenant: 'approval', sourceApp: 'register-ingest' as const, decidedBy: 'ops-anna', decidedAt: new Date().toISOString() };
    await publisher.publish(EVENTS.opsPlanApproved, { tenant: 'approval', data: approval });
    // A repeated approval (or a redelivery) changes nothing.
    await publisher.publish(EVENTS.opsPlanApproved, { tenant: 'approval', data: { ...approval, decidedBy: 'ops-bertil' } });
    const deadline = Date.now() + 15_000;
    const deletedIds = async () =>
      (await registerEvents('approval')).filter((event) => event.subject === 'register.approval.person.deleted').map((event) => event.subjectId);
    while ((await deletedIds()).length < removed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    expect((await deletedIds()).sort()).toEqual([...removed].sort());
    expect(await ingest.prisma.ingestHeldPlan.findUniqueOrThrow({ where: { id: plan.id } })).toMatchObject({ status: 'approved', decidedBy: 'ops-anna' });
  });

  it('announces each successful full and delta run once, after the events it caused, with their number', async () => {
    const { runId: fullRunId } = await fullSync('announce');
    let stream = await registerStream('announce');
    const full = stream.at(-1)!;
    expect(full.subject).toBe('register.announce.sync.completed');
    expect(full.type).toBe('se.skolkonto.register.sync.completed.v1');
    expect(full.subjectId).toBe('announce');
    expect(full.data).toEqual({ tenant: 'announce', kind: 'full', startedAt: expect.any(String), completedAt: expect.any(String), changes: stream.length - 1 });
    const run = await ingest.prisma.ingestSyncRun.findUniqueOrThrow({ where: { id: fullRunId } });
    expect([full.data.startedAt, full.data.completedAt]).toEqual([run.startedAt.toISOString(), run.finishedAt!.toISOString()]);

    const person = (await simulator.list('announce', 'persons'))[2];
    await simulator.admin('POST', `/tenants/announce/persons/${person.id}/rename`, { familyName: 'Annonsson' });
    await ingest.scheduler.requestDelta('announce', 'manual');
    await ingest.scheduler.requestDelta('announce', 'manual');
    stream = (await registerStream('announce')).slice(stream.length);
    // The rename, then its run (1 change), then a run that found nothing new (0 changes).
    expect(stream.map((event) => [event.subject, event.data.kind, event.data.changes])).toEqual([
      ['register.announce.person.upserted', undefined, undefined],
      ['register.announce.sync.completed', 'delta', 1],
      ['register.announce.sync.completed', 'delta', 0],
    ]);
    expect(JSON.stringify(stream.slice(1))).not.toContain('Annonsson');
  });
});
