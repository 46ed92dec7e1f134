import { createHash } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS } from '@skolkonto/contracts';
import { ManualClock } from '@skolkonto/domain';
import {
  connectJetStream,
  createTestMessaging,
  EventPublisher,
  namespacedStream,
  resolveMessagingOptions,
  type TestMessaging,
} from '@skolkonto/messaging';
import { loadConfig } from '@skolkonto/platform';
import { createTestDatabase, RecordingLogger, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../src/app.module';
import { IdentityNormalizerConfig } from '../src/config';
import { NormalizerDatabase, type SqlTx } from '../src/normalize-identity/normalizer-database';
import { aPerson, aSchoolUnit, anEnrolment } from './register-events.builder';

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Given a register event whose batch is on its way to the database, when the app is closed (SIGTERM), then the
 * batch commits, the message is acked and the identity event is on the IDENTITY stream before close()
 * returns, with nothing logged. (The pool was once ended in onModuleDestroy, before the consumers drained.)
 */
describe('identity-normalizer shutdown (NATS JetStream + PostgreSQL)', () => {
  const tenant = 'skara';
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    nats = await createTestMessaging('normstop', { app: 'identity-normalizer' });
    database = await createTestDatabase({ prefix: 'normalizer_stop' });
  });
  afterAll(async () => {
    await app?.close();
    await nats?.cleanup();
    await database?.drop();
  });

  it('lets a batch in flight commit, ack and publish before the pool is closed', async () => {
    const config = loadConfig(IdentityNormalizerConfig, {
      PORT: '0',
      DATABASE_URL: database.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: nats.namespace,
    });
    const tenants = [
      { id: tenant, lifecycle: { graceDays: 30, retentionDays: 180, pupilSummerGraceUntil: '08-31' } },
    ];
    const logger = new RecordingLogger();
    app = await NestFactory.create(
      AppModule.forRoot(config, tenants as never, { clock: new ManualClock('2026-09-01'), sweep: false }),
      { logger },
    );
    connectJetStream(app, { ...nats.options, connection: nats.connection });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');

    const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
    const upsert = (
      definition: typeof EVENTS.registerPersonUpserted | typeof EVENTS.registerOrganisationUpserted,
      record: Record<string, unknown>,
    ) =>
      publisher.publish(definition as typeof EVENTS.registerPersonUpserted, {
        tenant,
        data: {
          tenant,
          observedAt: new Date().toISOString(),
          contentHash: createHash('sha256').update(JSON.stringify(record)).digest('hex'),
          cause: 'delta',
          record: record as never,
        },
      });
    const consumer = (durable: string) =>
      nats.connection.jsm.consumers.info(namespacedStream('REGISTER', nats.namespace), durable);
    const unit = aSchoolUnit();
    await upsert(EVENTS.registerOrganisationUpserted, unit);
    await until(
      async () =>
        (await consumer('identity-normalizer-normalize-organisation-upserted')).ack_floor.stream_seq === 1,
    );

    // The next batch is held back before its transaction (as while the batcher lingers), so shutdown
    // begins while the handler is in flight and the batch still needs a connection.
    const db = app.get(NormalizerDatabase);
    const transaction = db.transaction.bind(db);
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    jest.spyOn(db, 'transaction').mockImplementation((async (work: (tx: SqlTx) => Promise<unknown>) => {
      entered();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return transaction(work);
    }) as never);
    const person = aPerson({ enrolments: [anEnrolment(unit.id as string)] });
    await upsert(EVENTS.registerPersonUpserted, person);
    await inFlight;
    const closing = app;
    app = undefined;
    await closing.close();

    expect(await consumer('identity-normalizer-normalize-person-upserted')).toMatchObject({
      num_ack_pending: 0,
      num_redelivered: 0,
      num_pending: 0,
      ack_floor: { stream_seq: 2 },
    });
    const identityEvents = (await nats.readMessages('IDENTITY'))
      .map(
        (message) =>
          JSON.parse(new TextDecoder().decode(message.data)) as {
            type: string;
            data: { sourceRefs?: { id: string }[] };
          },
      )
      .filter((event) => event.data.sourceRefs?.[0]?.id === person.id);
    expect(identityEvents.map((event) => event.type)).toEqual(['se.skolkonto.identity.person.changed.v1']);
    expect(logger.problems).toEqual([]);
  });
});
