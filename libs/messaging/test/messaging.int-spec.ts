// The transport, publisher and dead letters against the real NATS JetStream (one namespace per file).
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MessageHandler } from '@nestjs/microservices';
import { buildEvent, EVENTS, SAMPLE_EVENT_DATA, type CloudEvent, type PersonChangedV1 } from '@skolkonto/contracts';
import { headers as natsHeaders } from 'nats';
import {
  applyIfNewer,
  connectJetStream,
  createTestMessaging,
  type DeliveryOutcome,
  DLQ_HEADERS,
  EventPublisher,
  InMemoryVersionStore,
  JetStreamContext,
  JetStreamExceptionFilter,
  JetStreamServer,
  PermanentError,
  replayDeadLetter,
  resolveMessagingOptions,
  type TestMessaging,
} from '../src';

jest.setTimeout(60_000);

let nats: TestMessaging;
let publisher: EventPublisher;

beforeAll(async () => {
  nats = await createTestMessaging('messaging');
  publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
});
afterAll(async () => nats.cleanup());

function identity(identityId: string, version: number, tenant = 'lidkoping'): PersonChangedV1 {
  return { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId, version, tenant };
}

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

/** A JetStreamServer with plain handlers (no Nest module), sharing the test connection. */
async function startServer(durable: string, pattern: string, handler: (e: CloudEvent, ctx: JetStreamContext) => Promise<void>, concurrency?: number) {
  const server = new JetStreamServer({ ...nats.options, connection: nats.connection, concurrency });
  server.addHandler(pattern, handler as unknown as MessageHandler, true, { durable });
  await server.start();
  return server;
}

describe('JetStream transport', () => {
  it('delivers a published event to an @EventPattern handler of a Nest microservice and acks it', async () => {
    const received: CloudEvent<PersonChangedV1>[] = [];
    @Controller()
    class IdentityController {
      @EventPattern('identity.*.person.changed', { durable: 'test-nest-identity' })
      async handle(@Payload() event: CloudEvent<PersonChangedV1>, @Ctx() ctx: JetStreamContext) {
        expect(ctx.getSubject()).toBe('identity.lidkoping.person.changed');
        received.push(event);
      }
    }
    @Module({ controllers: [IdentityController] })
    class TestModule {}
    const app = await NestFactory.createMicroservice(TestModule, {
      strategy: new JetStreamServer({ ...nats.options, connection: nats.connection }),
      logger: false,
    });
    app.useGlobalFilters(new JetStreamExceptionFilter());
    await app.listen();
    try {
      const { event } = await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: identity(uuid(1), 1) });
      await until(() => received.length === 1);
      expect(received[0]).toEqual(JSON.parse(JSON.stringify(event)));
      await until(async () => (await nats.connection.jsm.consumers.info(nats.streamName('IDENTITY'), 'test-nest-identity')).num_ack_pending === 0);
      const info = await nats.connection.jsm.consumers.info(nats.streamName('IDENTITY'), 'test-nest-identity');
      expect(info.delivered.stream_seq).toBeGreaterThanOrEqual(1);
      expect(info.num_pending).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('redelivers after transient failures: delivered three times, applied once', async () => {
    const deliveries: number[] = [];
    const applied: string[] = [];
    const server = await startServer('test-transient', 'directory.*.account.provisioned', async (event, ctx) => {
      deliveries.push(ctx.getDeliveryCount());
      if (deliveries.length <= 2) throw Object.assign(new Error('LDAP unavailable'), { retryable: true, code: 'UNAVAILABLE' });
      applied.push(event.id);
    });
    try {
      const started = Date.now();
      const { event } = await publisher.publish(EVENTS.directoryAccountProvisioned, { tenant: 'skara', data: { ...SAMPLE_EVENT_DATA.directoryAccountProvisioned, tenant: 'skara' } });
      await until(() => applied.length === 1);
      expect(deliveries).toEqual([1, 2, 3]);
      expect(applied).toEqual([event.id]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100 + 200); // backoff 100 ms, then 200 ms
      await new Promise((r) => setTimeout(r, 500));
      expect(applied).toHaveLength(1);
      expect(await nats.readMessages('DEADLETTER', `${nats.namespace}.deadletter.directory.skara.account.provisioned`)).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('dead-letters a poison message after the last delivery, with headers, reason and attempts', async () => {
    let calls = 0;
    const server = await startServer('test-poison', 'directory.*.account.updated', async () => {
      calls++;
      throw new Error('cannot map attribute department');
    });
    try {
      const { event } = await publisher.publish(EVENTS.directoryAccountUpdated, {
        tenant: 'gotene',
        data: { ...SAMPLE_EVENT_DATA.directoryAccountUpdated, tenant: 'gotene' },
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      });
      const subject = `${nats.namespace}.deadletter.directory.gotene.account.updated`;
      await until(async () => (await nats.readMessages('DEADLETTER', subject)).length === 1);
      expect(calls).toBe(3);
      const [dead] = await nats.readMessages('DEADLETTER', subject);
      expect(JSON.parse(new TextDecoder().decode(dead!.data))).toEqual(JSON.parse(JSON.stringify(event)));
      expect(dead!.headers?.get(DLQ_HEADERS.attempts)).toBe('3');
      expect(dead!.headers?.get(DLQ_HEADERS.kind)).toBe('exhausted');
      expect(dead!.headers?.get(DLQ_HEADERS.reason)).toBe('cannot map attribute department');
      expect(dead!.headers?.get(DLQ_HEADERS.consumer)).toBe('test-poison');
      expect(dead!.headers?.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      expect(dead!.headers?.get('Skolkonto-Original-Msg-Id')).toBe(event.id);
      await until(async () => (await nats.readMessages('OPS', `${nats.namespace}.ops.gotene.deadletter.recorded`)).length === 1);
      const [recorded] = await nats.readMessages('OPS', `${nats.namespace}.ops.gotene.deadletter.recorded`);
      expect(JSON.parse(new TextDecoder().decode(recorded!.data)).data).toMatchObject({
        consumer: 'test-poison',
        originalEventId: event.id,
        attempts: 3,
        kind: 'exhausted',
        error: { code: 'Error', message: 'cannot map attribute department' },
      });
      await new Promise((r) => setTimeout(r, 800));
      expect(calls).toBe(3); // termed: no further delivery
    } finally {
      await server.close();
    }
  });

  it('dead-letters at once what fails the schema, an unknown version, or a PermanentError', async () => {
    let calls = 0;
    const server = await startServer('test-permanent', 'directory.*.account.moved', async () => {
      calls++;
      throw new PermanentError('RULE_BROKEN', 'school unit has no OU');
    });
    try {
      const valid = buildEvent(EVENTS.directoryAccountMoved, { tenant: 'essunga', source: 'ad-provisioner', data: { ...SAMPLE_EVENT_DATA.directoryAccountMoved, tenant: 'essunga' } });
      const subject = `${nats.namespace}.directory.essunga.account.moved`;
      const h = natsHeaders();
      const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
      await nats.connection.js.publish(subject, enc({ ...valid, id: uuid(901), data: { ...valid.data, accountId: 'not-a-guid' } }), { msgID: uuid(901), headers: h });
      await nats.connection.js.publish(subject, enc({ ...valid, id: uuid(902), type: 'se.skolkonto.directory.account.moved.v9' }), { msgID: uuid(902) });
      await nats.connection.js.publish(subject, enc(valid), { msgID: valid.id });
      const dlq = `${nats.namespace}.deadletter.directory.essunga.account.moved`;
      await until(async () => (await nats.readMessages('DEADLETTER', dlq)).length === 3);
      const dead = await nats.readMessages('DEADLETTER', dlq);
      expect(dead.map((m) => m.headers?.get(DLQ_HEADERS.code))).toEqual(['SCHEMA_INVALID', 'UNKNOWN_VERSION', 'RULE_BROKEN']);
      expect(dead.map((m) => m.headers?.get(DLQ_HEADERS.attempts))).toEqual(['1', '1', '1']);
      expect(dead[0]!.headers?.get(DLQ_HEADERS.reason)).toMatch(/data\.accountId/);
      expect(calls).toBe(1); // the handler only ever saw the valid one
    } finally {
      await server.close();
    }
  });

  it('replays a dead letter to its consumers on request, and reports every outcome', async () => {
    const outcomes: DeliveryOutcome['outcome'][] = [];
    let failing = true;
    const applied: string[] = [];
    const server = new JetStreamServer({ ...nats.options, connection: nats.connection, onOutcome: (o) => outcomes.push(o.outcome) });
    server.addHandler(
      'federation.*.attributes.revoked',
      (async (event: CloudEvent) => {
        if (failing) throw Object.assign(new Error('IdP API down'), { retryable: true });
        applied.push(event.id);
      }) as unknown as MessageHandler,
      true,
      { durable: 'test-replay' },
    );
    await server.start();
    try {
      const { event } = await publisher.publish(EVENTS.federationAttributesRevoked, { tenant: 'essunga', data: { ...SAMPLE_EVENT_DATA.federationAttributesRevoked, tenant: 'essunga' } });
      const dlq = `${nats.namespace}.deadletter.federation.essunga.attributes.revoked`;
      await until(async () => (await nats.readMessages('DEADLETTER', dlq)).length === 1);
      const [dead] = await nats.readMessages('DEADLETTER', dlq);
      failing = false;
      const replay = await replayDeadLetter(nats.connection, dead!.seq);
      expect(replay.subject).toBe('federation.essunga.attributes.revoked');
      await until(() => applied.length === 1);
      expect(applied).toEqual([event.id]);
      await until(() => outcomes.length >= 4);
      expect(outcomes).toEqual(['retried', 'retried', 'dead-lettered', 'acked']);
    } finally {
      await server.close();
    }
  });

  it('attaches to an HTTP Nest app with connectJetStream, keeping PermanentError visible to the transport', async () => {
    const seen: number[] = [];
    @Controller()
    class RejectingController {
      @EventPattern('ops.*.review.requested', { durable: 'test-hybrid' })
      async handle(@Ctx() ctx: JetStreamContext) {
        seen.push(ctx.getDeliveryCount());
        throw new PermanentError('CANDIDATE_GONE', 'the candidate identity no longer exists');
      }
    }
    @Module({ controllers: [RejectingController] })
    class HybridModule {}
    const app = await NestFactory.create(HybridModule, { logger: false });
    connectJetStream(app, { ...nats.options, connection: nats.connection });
    await app.startAllMicroservices();
    await app.init();
    try {
      await publisher.publish(EVENTS.opsReviewRequested, { tenant: 'skara', data: { ...SAMPLE_EVENT_DATA.opsReviewRequested, tenant: 'skara' } });
      const dlq = `${nats.namespace}.deadletter.ops.skara.review.requested`;
      await until(async () => (await nats.readMessages('DEADLETTER', dlq)).length === 1);
      const [dead] = await nats.readMessages('DEADLETTER', dlq);
      expect(dead!.headers?.get(DLQ_HEADERS.code)).toBe('CANDIDATE_GONE');
      expect(dead!.headers?.get(DLQ_HEADERS.kind)).toBe('permanent');
      expect(seen).toEqual([1]);
    } finally {
      await app.close();
    }
  });

  it('absorbs the same event published twice: one message in the stream', async () => {
    const data = { ...SAMPLE_EVENT_DATA.opsPlanHeld, tenant: 'skara', planId: uuid(77) };
    const first = await publisher.publish(EVENTS.opsPlanHeld, { tenant: 'skara', data, id: uuid(7001) });
    const second = await publisher.publish(EVENTS.opsPlanHeld, { tenant: 'skara', data, id: uuid(7001) });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    expect(await nats.readMessages('OPS', `${nats.namespace}.ops.skara.plan.held`)).toHaveLength(1);
  });

  it('refuses to publish data that breaks the contract, naming the reasons', async () => {
    const bad = { ...SAMPLE_EVENT_DATA.identityPersonChanged, version: 0 };
    await expect(publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: bad })).rejects.toThrow(/data\.version/);
  });

  it('ignores a stale version that arrives after a newer one', async () => {
    const store = new InMemoryVersionStore();
    const applied: number[] = [];
    const stale: number[] = [];
    const server = await startServer('test-stale', 'identity.*.person.deactivated', async (event) => {
      const data = event.data as { identityId: string; version: number };
      const decision = await applyIfNewer(store, data.identityId, data.version, async () => {
        applied.push(data.version);
      });
      if (decision !== 'apply') stale.push(data.version);
    });
    try {
      const base = { ...SAMPLE_EVENT_DATA.identityPersonDeactivated, identityId: uuid(55), tenant: 'skara' };
      await publisher.publish(EVENTS.identityPersonDeactivated, { tenant: 'skara', data: { ...base, version: 6 } });
      await publisher.publish(EVENTS.identityPersonDeactivated, { tenant: 'skara', data: { ...base, version: 4 } });
      await until(() => applied.length + stale.length === 2);
      expect(applied).toEqual([6]);
      expect(stale).toEqual([4]);
    } finally {
      await server.close();
    }
  });

  it('handles one identity in version order while running many identities at once', async () => {
    const seen = new Map<string, number[]>();
    let running = 0;
    let maxRunning = 0;
    const server = await startServer(
      'test-ordering',
      'identity.*.person.reactivated',
      async (event) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const data = event.data as { identityId: string; version: number };
        await new Promise((r) => setTimeout(r, Math.random() * 15));
        seen.set(data.identityId, [...(seen.get(data.identityId) ?? []), data.version]);
        running--;
      },
      8,
    );
    try {
      const ids = [1, 2, 3, 4, 5, 6].map((n) => uuid(300 + n));
      const publishes: Promise<unknown>[] = [];
      for (let version = 1; version <= 10; version++) {
        for (const id of ids) {
          publishes.push(
            publisher.publish(EVENTS.identityPersonReactivated, {
              tenant: 'lidkoping',
              data: { ...SAMPLE_EVENT_DATA.identityPersonReactivated, identityId: id, version },
            }),
          );
        }
        await Promise.all(publishes.splice(0));
      }
      await until(() => [...seen.values()].reduce((n, v) => n + v.length, 0) === 60);
      for (const id of ids) expect(seen.get(id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(maxRunning).toBeGreaterThan(1);
      expect(maxRunning).toBeLessThanOrEqual(8);
    } finally {
      await server.close();
    }
  });

  it('keeps a handler that runs longer than the ack wait from being redelivered', async () => {
    const deliveries: number[] = [];
    const server = new JetStreamServer({ ...nats.options, connection: nats.connection, ackWaitMs: 1000 });
    server.addHandler(
      'directory.*.account.deleted',
      (async (_e: CloudEvent, ctx: JetStreamContext) => {
        deliveries.push(ctx.getDeliveryCount());
        await new Promise((r) => setTimeout(r, 3500));
      }) as unknown as MessageHandler,
      true,
      { durable: 'test-long-handler' },
    );
    await server.start();
    try {
      await publisher.publish(EVENTS.directoryAccountDeleted, { tenant: 'skara', data: { ...SAMPLE_EVENT_DATA.directoryAccountDeleted, tenant: 'skara' } });
      await until(() => deliveries.length === 1);
      await until(async () => (await nats.connection.jsm.consumers.info(nats.streamName('DIRECTORY'), 'test-long-handler')).num_ack_pending === 0, 10_000);
      expect(deliveries).toEqual([1]);
    } finally {
      await server.close();
    }
  });

  it('keeps messages queued behind a slow handler from being redelivered while they wait', async () => {
    const deliveries: Array<[string, number]> = [];
    const server = new JetStreamServer({ ...nats.options, connection: nats.connection, ackWaitMs: 1000, concurrency: 1 });
    server.addHandler(
      'directory.*.account.deleted',
      (async (event: CloudEvent, ctx: JetStreamContext) => {
        deliveries.push([event.id, ctx.getDeliveryCount()]);
        await new Promise((r) => setTimeout(r, 1500));
      }) as unknown as MessageHandler,
      true,
      { durable: 'test-queued-behind-slow' },
    );
    await server.start();
    try {
      // One slot: the second and third wait in the replica's queue well past the 1 s ack wait.
      const published = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const { event } = await publisher.publish(EVENTS.directoryAccountDeleted, { tenant: 'skara', data: { ...SAMPLE_EVENT_DATA.directoryAccountDeleted, tenant: 'skara' } });
        published.add(event.id);
      }
      // The stream also holds earlier tests' events; only this test's three count.
      const ours = () => deliveries.filter(([id]) => published.has(id));
      await until(() => ours().length >= 3, 15_000);
      await until(async () => (await nats.connection.jsm.consumers.info(nats.streamName('DIRECTORY'), 'test-queued-behind-slow')).num_ack_pending === 0, 15_000);
      expect(ours().map(([, count]) => count)).toEqual([1, 1, 1]);
      expect(new Set(ours().map(([id]) => id)).size).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('lets a handler in flight at close() finish and acks its message before close() resolves', async () => {
    let finished = false;
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await startServer('test-close-drain', 'directory.*.account.disabled', async () => {
      entered();
      await new Promise((r) => setTimeout(r, 1000));
      finished = true;
    });
    await publisher.publish(EVENTS.directoryAccountDisabled, {
      tenant: 'skara',
      data: { ...SAMPLE_EVENT_DATA.directoryAccountDisabled, tenant: 'skara' },
    });
    await inHandler;
    await server.close();
    expect(finished).toBe(true);
    const info = await nats.connection.jsm.consumers.info(nats.streamName('DIRECTORY'), 'test-close-drain');
    expect(info).toMatchObject({ num_ack_pending: 0, num_redelivered: 0, ack_floor: { consumer_seq: 1 } });
  });

  it('gives up waiting at drainTimeoutMs and naks the unfinished message, which the next consumer gets at once', async () => {
    const durable = 'test-close-timeout';
    const server = new JetStreamServer({ ...nats.options, connection: nats.connection, drainTimeoutMs: 300 });
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    server.addHandler(
      'directory.*.group.synced',
      (async () => (entered(), stuck)) as unknown as MessageHandler,
      true,
      { durable },
    );
    await server.start();
    await publisher.publish(EVENTS.directoryGroupSynced, {
      tenant: 'skara',
      data: { ...SAMPLE_EVENT_DATA.directoryGroupSynced, tenant: 'skara' },
    });
    await inHandler;
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    release();

    let delivered = 0;
    const next = await startServer(durable, 'directory.*.group.synced', async () => void delivered++);
    try {
      // Well before the ack wait (5 s in these tests) runs out: the nak hands it over at once.
      await until(() => delivered === 1, 2000);
    } finally {
      await next.close();
    }
  });

  it('provisions streams and consumers idempotently (twice, concurrently)', async () => {
    const server1 = new JetStreamServer({ ...nats.options, connection: nats.connection });
    const server2 = new JetStreamServer({ ...nats.options, connection: nats.connection });
    const noop = (async () => undefined) as unknown as MessageHandler;
    server1.addHandler('federation.*.attributes.published', noop, true, { durable: 'test-provision' });
    server2.addHandler('federation.*.attributes.published', noop, true, { durable: 'test-provision' });
    await Promise.all([server1.start(), server2.start()]);
    await Promise.all([server1.close(), server2.close()]);
    const info = await nats.connection.jsm.consumers.info(nats.streamName('FEDERATION'), 'test-provision');
    expect(info.config.filter_subject).toBe(`${nats.namespace}.federation.*.attributes.published`);
    expect(info.config.max_deliver).toBe(4);
  });
});
