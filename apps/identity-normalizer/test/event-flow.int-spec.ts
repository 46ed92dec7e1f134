import { createHash, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, parseTraceparent, validateCloudEvent } from '@skolkonto/contracts';
import { ManualClock } from '@skolkonto/domain';
import { connectJetStream, createTestMessaging, DLQ_HEADERS, EventPublisher, resolveMessagingOptions, type TestMessaging } from '@skolkonto/messaging';
import { loadConfig } from '@skolkonto/platform';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../src/app.module';
import { IdentityNormalizerConfig } from '../src/config';
import { Client } from 'pg';
import { aGroup, aPerson, aSchoolUnit, anEnrolment, civicNumber } from './register-events.builder';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const hashOf = (record: unknown) => createHash('sha256').update(JSON.stringify(record)).digest('hex');

/**
 * Given register.* events on JetStream, when identity-normalizer runs, then identity.* events with
 * the whole identity appear on the IDENTITY stream (through the outbox relay), duplicates change
 * nothing, a record the normalizer cannot use is published as ops.record.rejected (and acked), a mover's
 * old identity leaves at once, and an operator's ops.review.resolved is applied.
 */
describe('identity-normalizer event flow (NATS JetStream + PostgreSQL)', () => {
  const tenant = 'skara';
  const other = 'lidkoping';
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication;
  let publisher: EventPublisher;
  const clock = new ManualClock('2026-09-01');

  beforeAll(async () => {
    nats = await createTestMessaging('normalizer', { app: 'identity-normalizer' });
    database = await createTestDatabase({ prefix: 'normalizer_flow' });
    const config = loadConfig(IdentityNormalizerConfig, { PORT: '0', DATABASE_URL: database.url, NATS_URL: 'nats://127.0.0.1:4222', NATS_NAMESPACE: nats.namespace });
    const tenants = [tenant, other].map((id) => ({ id, lifecycle: { graceDays: 30, retentionDays: 180, pupilSummerGraceUntil: '08-31' } }));
    app = await NestFactory.create(AppModule.forRoot(config, tenants as never, { clock, sweep: false }), { logger: false });
    connectJetStream(app, { ...nats.options, connection: nats.connection });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
  });
  afterEach(() => clock.set('2026-09-01'));
  afterAll(async () => {
    await app?.close();
    await nats?.cleanup();
    await database?.drop();
  });

  const streamEvents = async (stream: string) =>
    (await nats.readMessages(stream)).map((message) => ({
      subject: message.subject.slice(nats.namespace.length + 1),
      event: JSON.parse(new TextDecoder().decode(message.data)) as { id: string; type: string; data: Record<string, any> },
    }));
  const identityEventsFor = async (personId: string) => (await streamEvents('IDENTITY')).filter((e) => e.event.data.sourceRefs?.[0]?.id === personId);
  const upsert = (definition: typeof EVENTS.registerPersonUpserted | typeof EVENTS.registerOrganisationUpserted | typeof EVENTS.registerGroupUpserted, record: Record<string, unknown>, to = tenant) =>
    publisher.publish(definition as typeof EVENTS.registerPersonUpserted, {
      tenant: to,
      data: { tenant: to, observedAt: new Date().toISOString(), contentHash: hashOf(record), cause: 'delta', record: record as never },
    });

  it('turns register events into a valid identity.person.changed and re-derives it when the class arrives', async () => {
    const unit = aSchoolUnit();
    const person = aPerson({ givenName: 'ÅSA', familyName: 'AF KLINT', enrolments: [anEnrolment(unit.id as string)] });
    await upsert(EVENTS.registerOrganisationUpserted, unit);
    await upsert(EVENTS.registerPersonUpserted, person);

    const [first] = await until(async () => {
      const events = await identityEventsFor(person.id as string);
      return events.length >= 1 && events[0]!.event.data.schoolUnits.length > 0 ? events : undefined;
    });
    expect(first!.subject).toBe(`identity.${tenant}.person.changed`);
    expect(validateCloudEvent(first!.event)).toEqual([]);
    expect(first!.event.data).toMatchObject({ status: 'active', names: { givenName: 'Åsa', familyName: 'af Klint', protected: false }, affiliations: ['student', 'member'] });

    const klass = aGroup(unit.id as string, [person.id as string]);
    await upsert(EVENTS.registerGroupUpserted, klass);
    const withClass = await until(async () => (await identityEventsFor(person.id as string)).find((e) => e.event.data.class?.groupId === klass.id));
    expect(withClass.event.data.version).toBeGreaterThan(first!.event.data.version);
  });

  it('publishes nothing for a re-read of an unchanged record', async () => {
    const unit = aSchoolUnit();
    const person = aPerson({ enrolments: [anEnrolment(unit.id as string)] });
    await upsert(EVENTS.registerOrganisationUpserted, unit);
    await upsert(EVENTS.registerPersonUpserted, person);
    await until(async () => ((await identityEventsFor(person.id as string)).some((e) => e.event.data.schoolUnits.length > 0) ? true : undefined));
    const before = (await identityEventsFor(person.id as string)).length;

    await upsert(EVENTS.registerPersonUpserted, person);
    // A later, different person on the same consumer proves the duplicate has been handled.
    const marker = aPerson({ enrolments: [anEnrolment(unit.id as string)] });
    await upsert(EVENTS.registerPersonUpserted, marker);
    await until(async () => ((await identityEventsFor(marker.id as string)).length > 0 ? true : undefined));
    expect((await identityEventsFor(person.id as string)).length).toBe(before);
  });

  it('publishes a record it cannot use as ops.record.rejected, acks it and carries on', async () => {
    const broken = { id: randomUUID(), displayName: 'Grupp utan typ', organisation: { id: randomUUID() } };
    await upsert(EVENTS.registerGroupUpserted, broken);
    const unit = aSchoolUnit();
    const after = aPerson({ enrolments: [anEnrolment(unit.id as string)] });
    await upsert(EVENTS.registerOrganisationUpserted, unit);
    await upsert(EVENTS.registerPersonUpserted, after);

    const rejected = await until(async () => (await streamEvents('OPS')).find((e) => e.subject === `ops.${tenant}.record.rejected` && e.event.data.record.id === broken.id));
    expect(validateCloudEvent(rejected.event)).toEqual([]);
    expect(rejected.event.data).toMatchObject({ sourceApp: 'identity-normalizer', record: { entity: 'Group' }, code: 'MISSING_FIELD', reasons: [expect.stringContaining('groupType')] });
    await until(async () => ((await identityEventsFor(after.id as string)).length > 0 ? true : undefined));
    // Acked, not retried: no dead letter, and the durable consumer has nothing pending.
    expect((await nats.readMessages('DEADLETTER')).some((m) => new TextDecoder().decode(m.data).includes(broken.id))).toBe(false);
    const info = await nats.connection.jsm.consumers.info(nats.streamName('REGISTER'), 'identity-normalizer-normalize-group-upserted');
    expect(info.num_ack_pending + info.num_pending).toBe(0);
  });

  it("moves a person: the old tenant's identity goes leaving → suspended at once with cause moved-to-tenant", async () => {
    const number = civicNumber('2011-02-03', 555);
    const [fromUnit, toUnit] = [aSchoolUnit(), aSchoolUnit()];
    const before = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(fromUnit.id as string)] });
    const after = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(toUnit.id as string)] });
    await upsert(EVENTS.registerOrganisationUpserted, fromUnit);
    await upsert(EVENTS.registerPersonUpserted, before);
    const [first] = await until(async () => {
      const events = await identityEventsFor(before.id as string);
      return events.some((e) => e.event.data.status === 'active') ? events : undefined;
    });
    await upsert(EVENTS.registerOrganisationUpserted, toUnit, other);
    await upsert(EVENTS.registerPersonUpserted, after, other);

    const old = await until(async () => {
      const events = await identityEventsFor(before.id as string);
      return events.some((e) => e.event.data.status === 'suspended') ? events : undefined;
    });
    const lifecycle = old.filter((e) => e.event.data.statusCause === 'moved-to-tenant');
    expect(lifecycle.map((e) => [e.subject, e.event.data.status])).toEqual([
      [`identity.${tenant}.person.changed`, 'leaving'],
      [`identity.${tenant}.person.changed`, 'suspended'],
    ]);
    expect(lifecycle[1]!.event.data.version).toBe(lifecycle[0]!.event.data.version + 1);
    const fresh = await until(async () => (await identityEventsFor(after.id as string))[0]);
    expect(fresh.subject).toBe(`identity.${other}.person.changed`);
    expect(fresh.event.data.identityId).not.toBe(first!.event.data.identityId);
  });

  it("moves a person whose old enrolment ends as they arrive (published together, so usually one batch): the old identity is suspended at once, versions in order", async () => {
    const number = civicNumber('2011-02-04', 556);
    const [fromUnit, toUnit] = [aSchoolUnit(), aSchoolUnit()];
    const enrolled = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(fromUnit.id as string, { startDate: '2025-08-15' })] });
    await upsert(EVENTS.registerOrganisationUpserted, fromUnit);
    await upsert(EVENTS.registerOrganisationUpserted, toUnit, other);
    await upsert(EVENTS.registerPersonUpserted, enrolled);
    await until(async () => ((await identityEventsFor(enrolled.id as string)).some((e) => e.event.data.status === 'active') ? true : undefined));

    const ended = { ...enrolled, meta: { modified: '2026-08-31T00:00:00Z' }, enrolments: [anEnrolment(fromUnit.id as string, { startDate: '2025-08-15', endDate: '2026-08-30' })] };
    const arriving = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(toUnit.id as string, { startDate: '2026-08-31' })] });
    await Promise.all([upsert(EVENTS.registerPersonUpserted, ended), upsert(EVENTS.registerPersonUpserted, arriving, other)]);

    const old = await until(async () => {
      const events = await identityEventsFor(enrolled.id as string);
      return events.some((e) => e.event.data.status === 'suspended') ? events : undefined;
    }, 10_000);
    expect(old.at(-1)!.event.data).toMatchObject({ status: 'suspended', statusCause: 'moved-to-tenant' });
    expect(old.map((e) => e.event.data.version)).toEqual(old.map((_, i) => i + 1));
  });

  it('brings a mover back: the old identity is reactivated and the one left goes leaving → suspended at once, in the trace of the return', async () => {
    const number = civicNumber('2011-04-05', 556);
    const [fromUnit, toUnit] = [aSchoolUnit(), aSchoolUnit()];
    const before = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(fromUnit.id as string)] });
    const after = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(toUnit.id as string)] });
    await upsert(EVENTS.registerOrganisationUpserted, fromUnit);
    await upsert(EVENTS.registerPersonUpserted, before);
    const oldId = (await until(async () => (await identityEventsFor(before.id as string))[0])).event.data.identityId;
    await upsert(EVENTS.registerOrganisationUpserted, toUnit, other);
    await upsert(EVENTS.registerPersonUpserted, after, other);
    const newId = (await until(async () => (await identityEventsFor(after.id as string))[0])).event.data.identityId;
    await until(async () => ((await identityEventsFor(before.id as string)).some((e) => e.event.data.status === 'suspended') ? true : undefined));

    clock.set('2026-10-05');
    const back = { ...before, meta: { modified: '2026-10-04T12:00:00Z' }, enrolments: [anEnrolment(fromUnit.id as string, { startDate: '2026-10-05' })] };
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await publisher.publish(EVENTS.registerPersonUpserted, {
      tenant,
      traceparent,
      data: { tenant, observedAt: new Date().toISOString(), contentHash: hashOf(back), cause: 'delta', record: back as never },
    });

    const returned = await until(async () => (await identityEventsFor(before.id as string)).find((e) => e.subject === `identity.${tenant}.person.reactivated`));
    expect(returned.event.data).toMatchObject({ identityId: oldId, status: 'active', statusCause: 'returned' });
    expect(validateCloudEvent(returned.event)).toEqual([]);
    const left = await until(async () => {
      const events = (await identityEventsFor(after.id as string)).filter((e) => e.event.data.statusCause === 'moved-to-tenant');
      return events.length === 2 ? events : undefined;
    });
    expect(left.map((e) => [e.subject, e.event.data.identityId, e.event.data.status])).toEqual([
      [`identity.${other}.person.changed`, newId, 'leaving'],
      [`identity.${other}.person.changed`, newId, 'suspended'],
    ]);
    for (const e of [returned, ...left]) expect(parseTraceparent((e.event as { traceparent?: string }).traceparent)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it("applies an operator's ops.review.resolved: the other identity is deactivated as merged", async () => {
    const number = civicNumber('2010-06-07', 666);
    const unit = aSchoolUnit();
    const one = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(unit.id as string)] });
    const two = aPerson({ civicNo: { value: number }, enrolments: [anEnrolment(unit.id as string)] });
    await upsert(EVENTS.registerOrganisationUpserted, unit);
    await upsert(EVENTS.registerPersonUpserted, one);
    const oneId = (await until(async () => (await identityEventsFor(one.id as string))[0])).event.data.identityId;
    await upsert(EVENTS.registerPersonUpserted, two);
    const twoId = (await until(async () => (await identityEventsFor(two.id as string))[0])).event.data.identityId;
    const review = await until(async () => (await streamEvents('OPS')).find((e) => e.subject === `ops.${tenant}.review.requested` && e.event.data.candidates.some((c: { identityId: string }) => c.identityId === twoId)));

    await publisher.publish(EVENTS.opsReviewResolved, {
      tenant,
      // The test clock is fixed, so both identities share a creation time: name the one to keep.
      data: { reviewId: review.event.data.reviewId, tenant, sourceApp: 'identity-normalizer', decision: 'link', keepIdentityId: oneId, decidedBy: 'operator.anna', decidedAt: new Date().toISOString() },
    });
    const merged = await until(async () => (await identityEventsFor(two.id as string)).find((e) => e.subject === `identity.${tenant}.person.deactivated`));
    expect(merged.event.data).toMatchObject({ identityId: twoId, reason: 'merged', statusCause: 'merged' });
    expect((await identityEventsFor(one.id as string)).every((e) => e.event.data.status === 'active')).toBe(true);
  });
});

/**
 * A failure that is not the record's fault (here: the normalizer's tables are missing) is retried on
 * every delivery and then dead-lettered as exhausted — never published as a rejection.
 */
describe('identity-normalizer transient failures (NATS JetStream + PostgreSQL)', () => {
  const tenant = 'skara';
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    nats = await createTestMessaging('normalizer_fail', { app: 'identity-normalizer' });
    database = await createTestDatabase({ prefix: 'normalizer_fail' });
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query('DROP TABLE normalizer_person CASCADE');
    await client.end();
    const config = loadConfig(IdentityNormalizerConfig, { PORT: '0', DATABASE_URL: database.url, NATS_URL: 'nats://127.0.0.1:4222', NATS_NAMESPACE: nats.namespace });
    app = await NestFactory.create(AppModule.forRoot(config, [{ id: tenant }] as never, { clock: new ManualClock('2026-09-01'), sweep: false }), { logger: false });
    connectJetStream(app, { ...nats.options, connection: nats.connection });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await nats?.cleanup();
    await database?.drop();
  });

  it('retries, then dead-letters the event as exhausted', async () => {
    const person = aPerson();
    const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
    await publisher.publish(EVENTS.registerPersonUpserted, { tenant, data: { tenant, observedAt: new Date().toISOString(), contentHash: hashOf(person), cause: 'delta', record: person as never } });
    const letter = await until(async () => (await nats.readMessages('DEADLETTER')).find((m) => new TextDecoder().decode(m.data).includes(person.id as string)));
    expect(letter.headers?.get(DLQ_HEADERS.kind)).toBe('exhausted');
    expect(Number(letter.headers?.get(DLQ_HEADERS.attempts))).toBe(nats.options.maxDeliver);
  });
});
