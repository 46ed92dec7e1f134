import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENTS, parseTraceparent } from '@skolkonto/contracts';
import { ManualClock } from '@skolkonto/domain';
import { connectJetStream, createTestMessaging, EventPublisher, resolveMessagingOptions, type TestMessaging } from '@skolkonto/messaging';
import { createLogger, loadConfig, PinoNestLogger } from '@skolkonto/platform';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { AppModule } from '../src/app.module';
import { IdentityNormalizerConfig } from '../src/config';
import { aPerson, civicNumber } from './register-events.builder';

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const hashOf = (record: unknown) => createHash('sha256').update(JSON.stringify(record)).digest('hex');
const aTraceparent = () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

/**
 * Given register events with different traceparents that the batcher applies in one transaction,
 * each identity or ops event built from one of them continues that event's trace (not the trace of
 * whichever event opened the batch), and the log lines about one event carry its trace id.
 */
describe('identity-normalizer trace ids (NATS JetStream + PostgreSQL)', () => {
  const tenant = 'skara';
  const lines: Array<Record<string, unknown>> = [];
  const capture = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  let nats: TestMessaging;
  let database: TestDatabase;
  let app: INestApplication;
  let publisher: EventPublisher;

  beforeAll(async () => {
    nats = await createTestMessaging('normalizer_trace', { app: 'identity-normalizer' });
    database = await createTestDatabase({ prefix: 'normalizer_trace' });
    // A long linger, so the events published back to back below share one batch.
    const config = loadConfig(IdentityNormalizerConfig, {
      PORT: '0',
      DATABASE_URL: database.url,
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: nats.namespace,
      NORMALIZER_BATCH_LINGER_MS: '500',
    });
    app = await NestFactory.create(AppModule.forRoot(config, [{ id: tenant }] as never, { clock: new ManualClock('2026-09-01'), sweep: false }), {
      logger: new PinoNestLogger(createLogger('identity-normalizer', 'debug', capture)),
    });
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
    (await nats.readMessages(stream)).map((message) => JSON.parse(new TextDecoder().decode(message.data)) as { id: string; traceparent?: string; data: Record<string, any> });
  const publish = (definition: typeof EVENTS.registerPersonUpserted | typeof EVENTS.registerGroupUpserted, record: Record<string, unknown>, traceparent: string) =>
    publisher.publish(definition as typeof EVENTS.registerPersonUpserted, {
      tenant,
      traceparent,
      data: { tenant, observedAt: new Date().toISOString(), contentHash: hashOf(record), cause: 'delta', record: record as never },
    });
  const traceIdOf = (traceparent: string | undefined) => parseTraceparent(traceparent)?.traceId;

  it('gives each identity and ops event of a batch the trace of its own register event, and logs in that trace', async () => {
    const [first, second, broken] = [aTraceparent(), aTraceparent(), aTraceparent()];
    const one = aPerson({ civicNo: { value: civicNumber('2012-01-02', 111) } });
    const two = aPerson({ civicNo: { value: civicNumber('2012-01-03', 222) } });
    const group = { id: randomUUID(), displayName: 'Grupp utan typ', organisation: { id: randomUUID() } };
    const published = [
      await publish(EVENTS.registerPersonUpserted, one, first),
      await publish(EVENTS.registerPersonUpserted, two, second),
      await publish(EVENTS.registerGroupUpserted, group, broken),
    ];

    const identities = await until(async () => {
      const events = await streamEvents('IDENTITY');
      const ofOne = events.find((e) => e.data.sourceRefs?.[0]?.id === one.id);
      const ofTwo = events.find((e) => e.data.sourceRefs?.[0]?.id === two.id);
      return ofOne && ofTwo ? { ofOne, ofTwo } : undefined;
    });
    const rejection = await until(async () => (await streamEvents('OPS')).find((e) => e.data.record?.id === group.id));

    // The three were applied together: the batch's own line names them (and no trace of its own).
    const batchLine = lines.find((l) => l.context === 'RegisterEventBatcher' && l.level === 'debug' && Number(l.events) >= 3);
    expect(batchLine).toBeDefined();
    expect(batchLine!.traceId).toBeUndefined();

    expect(traceIdOf(identities.ofOne.traceparent)).toBe(traceIdOf(first));
    expect(traceIdOf(identities.ofTwo.traceparent)).toBe(traceIdOf(second));
    expect(traceIdOf(rejection.traceparent)).toBe(traceIdOf(broken));
    // Continued in the normalizer's own span of each trace, not the publisher's.
    expect(parseTraceparent(identities.ofTwo.traceparent)!.parentId).not.toBe(parseTraceparent(second)!.parentId);
    expect(published.map((p) => p.event.traceparent)).toEqual([first, second, broken]);

    const rejectedLine = await until(() => lines.find((l) => l.msg === 'register record rejected (ops.record.rejected)' && l.eventId === published[2]!.event.id));
    expect(rejectedLine).toMatchObject({ traceId: traceIdOf(broken), level: 'warn' });
  });
});
