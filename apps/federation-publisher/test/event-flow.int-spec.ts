import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import {
  createTestMessaging,
  EventPublisher,
  JetStreamExceptionFilter,
  JetStreamServer,
  resolveMessagingOptions,
  type TestMessaging,
} from '@skolkonto/messaging';
import { loadConfig } from '@skolkonto/platform';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../src/app.module';
import { FederationPublisherConfig } from '../src/config';
import { parseReleaseSettings } from '../src/release-settings/release-settings';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Given identity, directory and sensitive events on JetStream, when federation-publisher runs, then
 * federation.<tenant>.attributes.published (without the civic number), .revoked and .failed appear on
 * the FEDERATION stream, through the outbox relay.
 */
describe('federation-publisher event flow (NATS JetStream + PostgreSQL)', () => {
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication;
  let publisher: EventPublisher;

  beforeAll(async () => {
    nats = await createTestMessaging('fedpub', { app: 'federation-publisher' });
    database = await createTestDatabase({ prefix: 'fedpub_flow' });
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
    app = await NestFactory.create(AppModule.forRoot(config, tenants as never, settings), { logger: false });
    const consumers = app.connectMicroservice({ strategy: new JetStreamServer({ ...nats.options, connection: nats.connection }) }, { inheritAppConfig: true });
    consumers.useGlobalFilters(new JetStreamExceptionFilter());
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
  });
  afterAll(async () => {
    await app?.close();
    await nats?.cleanup();
    await database?.drop();
  });

  const federationEvents = async () =>
    (await nats.readMessages('FEDERATION')).map((message) => ({
      subject: message.subject.slice(nats.namespace.length + 1),
      event: JSON.parse(new TextDecoder().decode(message.data)) as { data: Record<string, any> },
    }));

  it('publishes the attribute set for a changed identity and revokes it on deactivation', async () => {
    const identityId = randomUUID();
    const changed = { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId, version: 1 };
    await publisher.publish(EVENTS.sensitiveCivicNumberChanged, { tenant: 'lidkoping', data: { ...SAMPLE_EVENT_DATA.sensitiveCivicNumberChanged, identityId, version: 1 } });
    await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: changed });

    const published = await until(async () => (await federationEvents()).find((e) => e.subject === 'federation.lidkoping.attributes.published' && e.event.data.identityId === identityId));
    expect(published.event.data).toMatchObject({
      identityId,
      tenant: 'lidkoping',
      identityVersion: 1,
      protected: false,
      attributes: {
        eduPersonPrincipalName: expect.stringMatching(/^[a-z][a-z0-9]{7}@lidkoping\.se$/),
        schacHomeOrganization: 'lidkoping.se',
        givenName: changed.names.givenName,
        mail: changed.email,
      },
    });
    expect(published.event.data.attributes.sisSchoolUnitCode).toEqual([...new Set(changed.schoolUnits.map((u) => u.schoolUnitCode))].sort());
    expect(JSON.stringify(published.event)).not.toContain(SAMPLE_EVENT_DATA.sensitiveCivicNumberChanged.civicNo);

    await publisher.publish(EVENTS.identityPersonDeactivated, {
      tenant: 'lidkoping',
      data: { ...SAMPLE_EVENT_DATA.identityPersonDeactivated, identityId, version: 2 },
    });
    const revoked = await until(async () => (await federationEvents()).find((e) => e.subject === 'federation.lidkoping.attributes.revoked' && e.event.data.identityId === identityId));
    expect(revoked.event.data).toMatchObject({
      eduPersonPrincipalName: published.event.data.attributes.eduPersonPrincipalName,
      reason: 'deactivated',
      identityVersion: 2,
    });
  });

  it('publishes federation.<tenant>.attributes.failed for a value that breaks its rule, and the rest of the set', async () => {
    const identityId = randomUUID();
    const sample = SAMPLE_EVENT_DATA.identityPersonChanged;
    // Valid for the identity contract, but a group name with a control character breaks the text rule.
    const changed = { ...sample, identityId, version: 1, groups: [{ ...sample.groups[0]!, displayName: 'Klass\t7B' }] };
    await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: changed });

    const failed = await until(async () => (await federationEvents()).find((e) => e.subject === 'federation.lidkoping.attributes.failed' && e.event.data.identityId === identityId));
    expect(failed.event).toMatchObject({ type: 'se.skolkonto.federation.attributes.failed.v1', subject: identityId });
    expect(failed.event.data).toEqual({
      identityId,
      tenant: 'lidkoping',
      identityVersion: 1,
      failures: [{ attribute: 'isMemberOf', rule: 'group must not contain control characters' }],
      failedAt: expect.any(String),
    });
    const published = await until(async () => (await federationEvents()).find((e) => e.subject === 'federation.lidkoping.attributes.published' && e.event.data.identityId === identityId));
    expect(published.event.data.attributes.eduPersonPrincipalName).toMatch(/@lidkoping\.se$/);
  });
});
