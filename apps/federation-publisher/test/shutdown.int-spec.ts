import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import {
  connectJetStream,
  createTestMessaging,
  EventPublisher,
  namespacedStream,
  resolveMessagingOptions,
  type TestMessaging,
} from '@skolkonto/messaging';
import { PrismaClient } from '@skolkonto/persistence';
import { loadConfig } from '@skolkonto/platform';
import { createTestDatabase, RecordingLogger, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../src/app.module';
import { FederationPublisherConfig } from '../src/config';
import { parseReleaseSettings } from '../src/release-settings/release-settings';

/**
 * Given a handler in the middle of its transaction, when the app is closed (SIGTERM), then the handler
 * finishes, its message is acked and its event is on the FEDERATION stream before close() returns,
 * with nothing logged: the consumers drain before the database is disconnected and the relay
 * publishes its last rows. (Prisma once disconnected in onModuleDestroy, before the drain.)
 */
describe('federation-publisher shutdown (NATS JetStream + PostgreSQL)', () => {
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    nats = await createTestMessaging('fedstop', { app: 'federation-publisher' });
    database = await createTestDatabase({ prefix: 'fedpub_stop' });
  });
  afterAll(async () => {
    await app?.close();
    await nats?.cleanup();
    await database?.drop();
  });

  it('lets a handler in flight commit, ack and publish before the database closes', async () => {
    const env = {
      PORT: '0',
      DATABASE_URL: database.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: nats.namespace,
      ATTRIBUTE_API_TLS_CERT_FILE: 'unused-here.pem',
      ATTRIBUTE_API_TLS_KEY_FILE: 'unused-here.pem',
    };
    const config = loadConfig(FederationPublisherConfig, env);
    const tenants = [{ id: 'lidkoping', federation: { scope: 'lidkoping.se' } }];
    const settings = parseReleaseSettings(
      'tenants:\n  - tenant: lidkoping\n    pairwiseSecretEnv: SECRET\n    serviceProviders: []\n',
      tenants,
      { SECRET: 'x'.repeat(32) },
    );
    const logger = new RecordingLogger();
    app = await NestFactory.create(AppModule.forRoot(config, tenants as never, settings), { logger });
    connectJetStream(app, { ...nats.options, connection: nats.connection });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');

    // The handler's transaction pauses before its work, so shutdown begins while it is open.
    const prisma = app.get(PrismaClient);
    const transaction = prisma.$transaction.bind(prisma) as (
      fn: (tx: unknown) => Promise<unknown>,
      options?: unknown,
    ) => Promise<unknown>;
    let entered!: () => void;
    const inTransaction = new Promise<void>((resolve) => (entered = resolve));
    jest.spyOn(prisma, '$transaction').mockImplementation(((
      fn: (tx: unknown) => Promise<unknown>,
      options?: unknown,
    ) =>
      transaction(async (tx) => {
        entered();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return fn(tx);
      }, options)) as never);

    const identityId = randomUUID();
    const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
    await publisher.publish(EVENTS.identityPersonChanged, {
      tenant: 'lidkoping',
      data: { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId, version: 1 },
    });
    await inTransaction;
    const closing = app;
    app = undefined;
    await closing.close();

    const consumer = await nats.connection.jsm.consumers.info(
      namespacedStream('IDENTITY', nats.namespace),
      'federation-publisher-publish-attributes-changed',
    );
    expect(consumer).toMatchObject({
      num_ack_pending: 0,
      num_redelivered: 0,
      num_pending: 0,
      ack_floor: { stream_seq: 1 },
    });
    const published = (await nats.readMessages('FEDERATION'))
      .map((message) => ({
        subject: message.subject,
        data: JSON.parse(new TextDecoder().decode(message.data)).data as { identityId?: string },
      }))
      .filter(
        (message) =>
          message.subject === `${nats.namespace}.federation.lidkoping.attributes.published` &&
          message.data.identityId === identityId,
      );
    expect(published).toHaveLength(1);
    expect(logger.problems).toEqual([]);
  });
});
