import { createHash, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, validateCloudEvent } from '@skolkonto/contracts';
import { ManualClock } from '@skolkonto/domain';
import { connectJetStream, createTestMessaging, DLQ_HEADERS, EventPublisher, resolveMessagingOptions, type TestMessaging } from '@skolkonto/messaging';
import { loadConfig } from '@skolkonto/platform';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../src/app.module';
import { IdentityNormalizerConfig } from '../src/config';
import { aGroup, aPerson, aSchoolUnit, anEnrolment } from './register-events.builder';

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
 * nothing and a record the normalizer cannot use is dead-lettered with its reason.
 */
describe('identity-normalizer event flow (NATS JetStream + PostgreSQL)', () => {
  const tenant = 'skara';
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication;
  let publisher: EventPublisher;

  beforeAll(async () => {
    nats = await createTestMessaging('normalizer', { app: 'identity-normalizer' });
    database = await createTestDatabase({ prefix: 'normalizer_flow' });
    const config = loadConfig(IdentityNormalizerConfig, { PORT: '0', DATABASE_URL: database.url, NATS_URL: 'nats://127.0.0.1:4222', NATS_NAMESPACE: nats.namespace });
    const tenants = [{ id: tenant, lifecycle: { graceDays: 30, retentionDays: 180, pupilSummerGraceUntil: '08-31' } }];
    app = await NestFactory.create(AppModule.forRoot(config, tenants as never, { clock: new ManualClock('2026-09-01'), sweep: false }), { logger: false });
    connectJetStream(app, { ...nats.options, connection: nats.connection });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
  });
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
  const upsert = (definition: typeof EVENTS.registerPersonUpserted | typeof EVENTS.registerOrganisationUpserted | typeof EVENTS.registerGroupUpserted, record: Record<string, unknown>) =>
    publisher.publish(definition as typeof EVENTS.registerPersonUpserted, {
      tenant,
      data: { tenant, observedAt: new Date().toISOString(), contentHash: hashOf(record), cause: 'delta', record: record as never },
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

  it('dead-letters a record the normalizer cannot use, with the reason', async () => {
    const broken = { id: randomUUID(), displayName: 'Grupp utan typ', organisation: { id: randomUUID() } };
    await upsert(EVENTS.registerGroupUpserted, broken);
    const letter = await until(async () => {
      const messages = await nats.readMessages('DEADLETTER');
      const found = messages.find((m) => new TextDecoder().decode(m.data).includes(broken.id));
      return found;
    });
    expect(letter.headers?.get(DLQ_HEADERS.kind)).toBe('permanent');
    expect(letter.headers?.get(DLQ_HEADERS.code)).toBe('INVALID_RECORD');
    expect(letter.headers?.get(DLQ_HEADERS.reason)).toContain('groupType');
  });
});
