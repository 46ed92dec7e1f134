// The person timeline written in batches, against real PostgreSQL (and NATS for the watcher):
// after flush() the people, register people and entries are what one write per event gave, and
// the stream watcher never saves a checkpoint past facts that are not yet in the database.
import { createPrismaClient, PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, TestDatabase } from '@skolkonto/testing';
import { randomUUID } from 'node:crypto';
import { ConsoleConfig } from '../src/config';
import { civicNumberMac } from '../src/person-timeline/civic-number-mac';
import { TimelineProjection } from '../src/person-timeline/timeline.projection';
import { MASK } from '../src/shared/mask-sensitive';
import { JetStreamGateway } from '../src/stream-watch/jetstream-gateway';
import { ObservedEvent, WatchedStream } from '../src/stream-watch/observed-event';
import { ConsoleTestEnv, eventually, startConsole } from './support/console-test-env';

const SECRET = 'test-key-0123456789abcdef';
const config = { CONSOLE_SESSION_SECRET: SECRET } as ConsoleConfig;

let sequence = 0;
const observed = (subject: string, data: Record<string, unknown>, options: { eventId?: string; time?: string } = {}): ObservedEvent => {
  const domain = subject.split('.')[0]!;
  sequence += 1;
  return {
    stream: domain.toUpperCase() as WatchedStream,
    streamSequence: sequence,
    subject,
    domain,
    tenant: subject.split('.')[1]!,
    type: `se.skolkonto.${subject}.v1`,
    eventId: options.eventId ?? randomUUID(),
    time: options.time ?? new Date(Date.UTC(2026, 10, 28, 6, 0, sequence)).toISOString(),
    entity: null,
    data,
    headers: {},
  };
};

describe('person timeline written in batches', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  const people = () => prisma.consolePerson.findMany({ orderBy: { personKey: 'asc' }, omit: { updatedAt: true } });
  const registerPeople = () => prisma.consoleRegisterPerson.findMany({ orderBy: { registerId: 'asc' }, omit: { updatedAt: true } });
  const entries = async () =>
    (await prisma.consoleTimelineEntry.findMany({ orderBy: { id: 'asc' } })).map(({ id: _id, ...rest }) => ({ ...rest, occurredAt: rest.occurredAt.toISOString() }));

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'console_test' });
    prisma = createPrismaClient(db.url, { poolSize: 2 });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });
  beforeEach(async () => {
    await prisma.$executeRaw`TRUNCATE console_people, console_register_people, console_timeline_entries`;
  });

  // Register upserts, identity versions, AD operations, federation releases and a register deletion
  // for three persons, in two batches (the second one updates rows that exist).
  const R1 = 'r1-signe';
  const R2 = 'r2-protected';
  const I1 = 'i1-signe';
  const I2 = 'i2-bo';
  const provisioned = observed('directory.skara.account.provisioned', { identityId: I1, identityVersion: 1, sAMAccountName: 'sig12lun' });
  const firstBatch = [
    observed('register.skara.person.upserted', { cause: 'delta', record: { id: R1, givenName: 'Signe', familyName: 'Lund', civicNo: { value: '201203041234' }, securityMarking: 'Ingen' } }),
    observed('identity.skara.person.changed', { identityId: I1, version: 1, names: { displayName: 'Signe Lund' }, sourceRefs: [{ entity: 'Person', id: R1 }, { entity: 'Organisation', id: 'o1' }], changedFields: ['names'] }),
    provisioned,
    observed('federation.skara.attributes.published', { identityId: I1, identityVersion: 1, attributes: { eduPersonPrincipalName: 'sig12lun@skara.se' } }),
    observed('register.skara.person.upserted', { record: { id: R2, givenName: 'Dold', familyName: 'Person', civicNo: { value: '20100101-2222' }, securityMarking: 'Skyddad folkbokföring' } }),
    // An AD operation before any identity version: the person exists with the account only.
    observed('directory.gotene.account.provisioned', { identityId: I2, identityVersion: 1, sAMAccountName: 'bo01' }),
    // A later register version of R1 and identity version of I1 win.
    observed('register.skara.person.upserted', { cause: 'webhook 20120304-1234', record: { id: R1, givenName: 'Signe', familyName: 'Lund-Ek', civicNo: { value: '120304-1234' } } }),
    observed('identity.skara.person.changed', { identityId: I1, version: 2, names: { displayName: 'Signe Lund-Ek' }, sourceRefs: [{ entity: 'Person', id: R1 }], changedFields: ['names'] }),
    // The same event read twice (a re-read stream): one entry.
    { ...provisioned, streamSequence: provisioned.streamSequence + 100 },
  ];
  const secondBatch = [
    observed('register.skara.person.deleted', { id: R1, reason: 'removed' }),
    observed('directory.skara.account.disabled', { identityId: I1, identityVersion: 3, error: { message: 'pupil 20120304-1234 left' } }),
    observed('identity.gotene.person.changed', { identityId: I2, version: 1 }),
    observed('federation.skara.attributes.revoked', { identityId: I1, reason: 'deactivated' }),
    observed('directory.skara.account.moved', { identityId: I1, sAMAccountName: 'sig12lun2' }),
  ];

  const expectedPeople = [
    { personKey: I1, tenant: 'skara', displayName: 'Signe Lund-Ek', accountName: 'sig12lun2', eppn: 'sig12lun@skara.se', registerIds: [R1], civicNumberMac: null },
    // The identity version without names or sourceRefs clears them, and keeps the account.
    { personKey: I2, tenant: 'gotene', displayName: null, accountName: 'bo01', eppn: null, registerIds: [], civicNumberMac: null },
  ];
  const expectedRegisterPeople = [
    // The deletion kept what was known; the later version's name and civic number (10 digits, normalized) won.
    { registerId: R1, tenant: 'skara', displayName: 'Signe Lund-Ek', civicNumberMac: civicNumberMac('201203041234', SECRET) },
    { registerId: R2, tenant: 'skara', displayName: null, civicNumberMac: civicNumberMac('201001012222', SECRET) },
  ];
  const entryOf = (e: ObservedEvent) => ({ eventId: e.eventId, personKey: expect.any(String), tenant: e.tenant, subject: e.subject, type: e.type, occurredAt: e.time });

  it('writes after flush() the rows that one write per event gave, in few statements', async () => {
    const projection = new TimelineProjection(prisma, config);
    for (const event of firstBatch) await projection.project(event);
    expect(projection.pending).toBe(firstBatch.length);
    expect(await prisma.consoleTimelineEntry.count()).toBe(0); // buffered only

    await projection.flush();
    expect(projection.pending).toBe(0);
    expect(await people()).toEqual([
      { personKey: I1, tenant: 'skara', displayName: 'Signe Lund-Ek', accountName: 'sig12lun', eppn: 'sig12lun@skara.se', registerIds: [R1], civicNumberMac: null },
      { personKey: I2, tenant: 'gotene', displayName: null, accountName: 'bo01', eppn: null, registerIds: [], civicNumberMac: null },
    ]);
    expect(await registerPeople()).toEqual(expectedRegisterPeople);
    const first = await entries();
    expect(first).toMatchObject(firstBatch.slice(0, -1).map(entryOf));
    expect(first.map((e) => e.personKey)).toEqual([R1, I1, I1, I1, R2, I2, R1, I1]);
    expect(first[6]!.cause).toBe(`webhook ${MASK}`);

    for (const event of secondBatch) await projection.project(event);
    await projection.flush();
    expect(await people()).toEqual(expectedPeople);
    expect(await registerPeople()).toEqual(expectedRegisterPeople);
    const all = await entries();
    expect(all.map((e) => e.eventId)).toEqual([...firstBatch.slice(0, -1), ...secondBatch].map((e) => e.eventId));
    expect(all.slice(-5).map((e) => [e.personKey, e.stage, e.cause])).toEqual([
      [R1, 'register', 'removed'],
      [I1, 'directory', `pupil ${MASK} left`],
      [I2, 'identity', 'changed'],
      [I1, 'federation', 'deactivated'],
      [I1, 'directory', 'moved'],
    ]);
    expect(JSON.stringify(all)).not.toMatch(/201203041234|20120304-1234|120304-1234/);
  });

  it('gives the same rows whether it flushes after each event or once for all of them', async () => {
    const perEvent = new TimelineProjection(prisma, config);
    for (const event of [...firstBatch, ...secondBatch]) {
      await perEvent.project(event);
      await perEvent.flush();
    }
    const snapshot = { people: await people(), register: await registerPeople(), entries: await entries() };
    expect(snapshot.people).toEqual(expectedPeople);

    await prisma.$executeRaw`TRUNCATE console_people, console_register_people, console_timeline_entries`;
    const batched = new TimelineProjection(prisma, config);
    for (const event of [...firstBatch, ...secondBatch]) await batched.project(event);
    await batched.flush();
    expect({ people: await people(), register: await registerPeople(), entries: await entries() }).toEqual(snapshot);
  });

  it('leaves out of a batch only what PostgreSQL would refuse, as the per-event write skipped it', async () => {
    const projection = new TimelineProjection(prisma, config);
    const good = observed('identity.skara.person.changed', { identityId: I1, names: { displayName: 'Signe' } });
    const nul = observed('identity.skara.person.changed', { identityId: I1, reason: 'bad\u0000byte', names: { displayName: 'Signe Lund' } });
    const badTime = observed('directory.skara.account.provisioned', { identityId: I1, sAMAccountName: 'sig12lun' }, { time: 'not a time' });
    for (const event of [good, nul, badTime]) await projection.project(event);
    await projection.flush();
    expect((await entries()).map((e) => e.eventId)).toEqual([good.eventId]);
    // The person fields of both still count; only the entry that could not be stored is missing.
    expect(await people()).toMatchObject([{ personKey: I1, displayName: 'Signe Lund', accountName: 'sig12lun' }]);
  });

  it('keeps a batch that could not be written and writes it, in order, with the next flush', async () => {
    const projection = new TimelineProjection(prisma, config);
    await projection.project(firstBatch[1]!);
    await prisma.$executeRaw`ALTER TABLE console_timeline_entries RENAME TO console_timeline_entries_away`;
    try {
      await expect(projection.flush()).rejects.toThrow();
      expect(projection.pending).toBe(1);
      expect(await people()).toEqual([]); // one transaction: nothing of the batch was written
      await projection.project(firstBatch[7]!);
    } finally {
      await prisma.$executeRaw`ALTER TABLE console_timeline_entries_away RENAME TO console_timeline_entries`;
    }
    await projection.flush();
    expect(projection.pending).toBe(0);
    expect((await entries()).map((e) => e.eventId)).toEqual([firstBatch[1]!.eventId, firstBatch[7]!.eventId]);
    expect(await people()).toMatchObject([{ personKey: I1, displayName: 'Signe Lund-Ek', registerIds: [R1] }]);
  });
});

describe('stream watcher with a batching timeline', () => {
  let env: ConsoleTestEnv;
  beforeAll(async () => {
    env = await startConsole('console-timeline-batch');
  });
  afterAll(async () => env?.close());

  const checkpoint = async (stream: WatchedStream) => {
    const row = await env.prisma.consoleStreamCheckpoint.findUnique({ where: { stream: env.app.get(JetStreamGateway).streamName(stream) } });
    return row ? Number(row.sequence) : 0;
  };
  const lastSequence = async (stream: WatchedStream) => (await env.nats.manager.streams.info(env.nats.streamName(stream))).state.last_seq;
  const entryCount = (eventId: string) => env.prisma.consoleTimelineEntry.count({ where: { eventId } });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('saves no checkpoint past facts it could not write, and writes them with a later flush or after a restart', async () => {
    const identityId = randomUUID();
    const first = await env.publishEvent('identity.skara.person.changed', { identityId, version: 1, names: { displayName: 'Åsa Berg' } });
    // A stream without a checkpoint is read from new after a restart, so DIRECTORY gets one first.
    await env.publishEvent('directory.skara.account.provisioned', { identityId, identityVersion: 1 });
    await eventually(async () => (await entryCount(first)) === 1 && (await checkpoint('IDENTITY')) === (await lastSequence('IDENTITY')), 5000, 'the first entry and its checkpoint');
    await eventually(async () => (await checkpoint('DIRECTORY')) === (await lastSequence('DIRECTORY')), 5000, 'the first directory checkpoint');
    const saved = await checkpoint('IDENTITY');

    // The timeline's table away: its flush fails, so the checkpoint stays where the timeline is.
    await env.prisma.$executeRaw`ALTER TABLE console_timeline_entries RENAME TO console_timeline_entries_away`;
    let second: string;
    try {
      second = await env.publishEvent('identity.skara.person.changed', { identityId, version: 2, names: { displayName: 'Åsa Berg-Ek' } });
      await eventually(async () => env.app.get(TimelineProjection).pending === 1, 5000, 'the second event buffered');
      await sleep(2500); // two checkpoint intervals
      expect(await checkpoint('IDENTITY')).toBe(saved);
      expect(env.app.get(TimelineProjection).pending).toBe(1);
    } finally {
      await env.prisma.$executeRaw`ALTER TABLE console_timeline_entries_away RENAME TO console_timeline_entries`;
    }
    await eventually(async () => (await entryCount(second)) === 1 && (await checkpoint('IDENTITY')) > saved, 5000, 'the kept fact written, then its checkpoint');
    expect(await env.prisma.consolePerson.findUniqueOrThrow({ where: { personKey: identityId } })).toMatchObject({ displayName: 'Åsa Berg-Ek' });

    // Stopped while the table is away: the shutdown flush fails, the checkpoint stays, and the
    // restarted console reads the event again and writes it.
    const beforeStop = await checkpoint('IDENTITY');
    await env.prisma.$executeRaw`ALTER TABLE console_timeline_entries RENAME TO console_timeline_entries_away`;
    let third: string;
    try {
      third = await env.publishEvent('directory.skara.account.provisioned', { identityId, identityVersion: 2, sAMAccountName: 'asa01' });
      await eventually(async () => env.app.get(TimelineProjection).pending === 1, 5000, 'the third event buffered');
      await env.restart();
      expect(await checkpoint('DIRECTORY')).toBeLessThan(await lastSequence('DIRECTORY'));
    } finally {
      await env.prisma.$executeRaw`ALTER TABLE console_timeline_entries_away RENAME TO console_timeline_entries`;
    }
    await eventually(async () => (await entryCount(third)) === 1, 5000, 'the event read again after the restart');
    await eventually(async () => (await checkpoint('DIRECTORY')) === (await lastSequence('DIRECTORY')), 5000, 'the directory checkpoint');
    expect(await checkpoint('IDENTITY')).toBe(beforeStop);
    expect(await env.prisma.consolePerson.findUniqueOrThrow({ where: { personKey: identityId } })).toMatchObject({ displayName: 'Åsa Berg-Ek', accountName: 'asa01' });
  });
});
