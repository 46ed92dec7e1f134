// Crash and outage behaviour: a consumer process killed with SIGKILL mid-handling, and an outbox
// row committed while NATS is unreachable (a private nats-server we can stop, never the shared one).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageHandler } from '@nestjs/microservices';
import { buildEvent, EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { createPrismaClient, enqueueEvent, SqlOutboxStore } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { Client } from 'pg';
import {
  connectMessaging,
  createTestMessaging,
  deleteNamespaceStreams,
  EventPublisher,
  JetStreamServer,
  OutboxRelay,
  resolveMessagingOptions,
  uniqueNamespace,
  type TestMessaging,
} from '../src';

jest.setTimeout(90_000);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ prefix: 'messaging' });
});
afterAll(async () => db.drop());

async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('a consumer process killed with SIGKILL mid-handling', () => {
  let nats: TestMessaging;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    nats = await createTestMessaging('sigkill', { ackWaitMs: 2000 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await nats.cleanup();
  });

  it('gets the message redelivered to another process, and it is applied once', async () => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('CREATE TABLE applied (event_id text PRIMARY KEY, applied_at timestamptz DEFAULT now())');
    child = spawn(process.execPath, ['-r', join(__dirname, 'fixtures/swc-register.js'), join(__dirname, 'fixtures/kill-consumer.ts')], {
      env: { ...process.env, DATABASE_URL: db.url, NATS_NAMESPACE: nats.namespace, ACK_WAIT_MS: '2000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await until(() => out.includes('READY'));

    const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
    const { event } = await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data: SAMPLE_EVENT_DATA.identityPersonChanged });
    await until(() => out.includes(`APPLIED ${event.id}`));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    const deliveries: number[] = [];
    const server = new JetStreamServer({ ...nats.options, app: 'kill-test', connection: nats.connection });
    server.addHandler(
      'identity.*.person.changed',
      (async (e: { id: string }, ctx: { getDeliveryCount(): number }) => {
        deliveries.push(ctx.getDeliveryCount());
        await pg.query('INSERT INTO applied (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [e.id]);
      }) as unknown as MessageHandler,
      true,
      { durable: 'kill-test-apply' },
    );
    await server.start();
    try {
      await until(() => deliveries.length === 1);
      expect(deliveries).toEqual([2]);
      const rows = await pg.query('SELECT event_id FROM applied');
      expect(rows.rows).toEqual([{ event_id: event.id }]);
      await until(async () => (await nats.connection.jsm.consumers.info(nats.streamName('IDENTITY'), 'kill-test-apply')).num_ack_pending === 0);
    } finally {
      await server.close();
      await pg.end();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function startNatsServer(port: number, storeDir: string): ChildProcess {
  return spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore' });
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    15_000,
  );
}

describe('the outbox relay', () => {
  it('publishes, in order, rows committed while NATS was unreachable once it is back', async () => {
    const port = await freePort();
    const storeDir = mkdtempSync(join(tmpdir(), 'skolkonto-nats-'));
    let server = startNatsServer(port, storeDir);
    const prisma = createPrismaClient(db.url);
    const store = new SqlOutboxStore(db.url, 'normalizer_outbox');
    const namespace = uniqueNamespace('outbox');
    const connection = await (async () => {
      await waitForPort(port);
      return connectMessaging({ servers: `nats://127.0.0.1:${port}`, app: 'identity-normalizer', namespace });
    })();
    const relay = new OutboxRelay(store, new EventPublisher(connection.js, connection.options), { pollMs: 200, maxBackoffMs: 500 });
    try {
      relay.start();
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));

      const events = [1, 2, 3].map((version) =>
        buildEvent(EVENTS.identityPersonChanged, {
          tenant: 'lidkoping',
          source: 'identity-normalizer',
          data: { ...SAMPLE_EVENT_DATA.identityPersonChanged, version },
        }),
      );
      await prisma.$transaction(async (tx) => {
        for (const event of events) await enqueueEvent(tx, 'normalizer_outbox', { event, subject: EVENTS.identityPersonChanged.subject('lidkoping') });
      });
      // NATS is down: the rows stay unpublished and the error is recorded.
      await until(async () => {
        const r = await prisma.$queryRawUnsafe<{ attempts: number; last_error: string | null }[]>('SELECT attempts, last_error FROM normalizer_outbox ORDER BY id LIMIT 1');
        return (r[0]?.attempts ?? 0) >= 1 && r[0]?.last_error !== null;
      });
      expect(await store.backlog()).toBe(3);

      server = startNatsServer(port, storeDir);
      await waitForPort(port);
      await until(async () => (await store.backlog()) === 0, 60_000);

      const stream = `${namespace.toUpperCase()}_IDENTITY`;
      const info = await connection.jsm.streams.info(stream);
      expect(info.state.messages).toBe(3);
      const ids: string[] = [];
      for (let seq = 1; seq <= 3; seq++) {
        const m = await connection.jsm.streams.getMessage(stream, { seq });
        ids.push(JSON.parse(new TextDecoder().decode(m.data)).id);
        expect(m.subject).toBe(`${namespace}.identity.lidkoping.person.changed`);
      }
      expect(ids).toEqual(events.map((e) => e.id));

      // A second relay run (restart) finds nothing to do; re-publishing the same ids would be absorbed.
      expect(await relay.relayOnce()).toBe(0);
    } finally {
      await relay.stop();
      await deleteNamespaceStreams(connection.jsm, namespace).catch(() => undefined);
      await connection.close().catch(() => undefined);
      await store.close();
      await prisma.$disconnect();
      server.kill('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it('holds a later row back while a transaction with a lower id is still open, then publishes both in id order', async () => {
    const nats = await createTestMessaging('outbox3', { app: 'federation-publisher' });
    const store = new SqlOutboxStore(db.url, 'federation_outbox', 5000);
    const relay = new OutboxRelay(store, new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options)), { pollMs: 100 });
    const slow = new Client({ connectionString: db.url });
    const fast = new Client({ connectionString: db.url });
    await Promise.all([slow.connect(), fast.connect()]);
    const raw = (c: Client) => ({ $executeRawUnsafe: async (q: string, ...v: unknown[]) => (await c.query(q, v)).rowCount ?? 0 });
    const event = (identityVersion: number) =>
      buildEvent(EVENTS.federationAttributesPublished, { tenant: 'skara', source: 'federation-publisher', data: { ...SAMPLE_EVENT_DATA.federationAttributesPublished, tenant: 'skara', identityVersion } });
    const subject = EVENTS.federationAttributesPublished.subject('skara');
    try {
      relay.start();
      await slow.query('BEGIN');
      await enqueueEvent(raw(slow), 'federation_outbox', { event: event(1), subject }); // lower id, not committed yet
      await fast.query('BEGIN');
      await enqueueEvent(raw(fast), 'federation_outbox', { event: event(2), subject });
      await fast.query('COMMIT');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await nats.readMessages('FEDERATION')).toHaveLength(0); // held back behind the open id
      await slow.query('COMMIT');
      await until(async () => (await store.backlog()) === 0);
      const versions = (await nats.readMessages('FEDERATION')).map((m) => JSON.parse(new TextDecoder().decode(m.data)).data.identityVersion);
      expect(versions).toEqual([1, 2]);
    } finally {
      await relay.stop();
      await store.close();
      await Promise.all([slow.end(), fast.end()]);
      await nats.cleanup();
    }
  });

  it('lets only one of two relays publish a table at a time, keeping id order', async () => {
    const nats = await createTestMessaging('outbox2', { app: 'identity-normalizer' });
    const prisma = createPrismaClient(db.url);
    const stores = [new SqlOutboxStore(db.url, 'provisioner_outbox'), new SqlOutboxStore(db.url, 'provisioner_outbox')];
    const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
    const relays = stores.map((s) => new OutboxRelay(s, publisher, { pollMs: 50, batchSize: 7 }));
    try {
      const events = Array.from({ length: 40 }, (_, i) =>
        buildEvent(EVENTS.directoryAccountUpdated, { tenant: 'skara', source: 'ad-provisioner', data: { ...SAMPLE_EVENT_DATA.directoryAccountUpdated, tenant: 'skara', identityVersion: i + 1 } }),
      );
      relays.forEach((r) => r.start());
      for (const event of events) {
        await prisma.$transaction(async (tx) => enqueueEvent(tx, 'provisioner_outbox', { event, subject: EVENTS.directoryAccountUpdated.subject('skara') }));
      }
      await until(async () => (await stores[0]!.backlog()) === 0);
      const messages = await nats.readMessages('DIRECTORY');
      expect(messages.map((m) => JSON.parse(new TextDecoder().decode(m.data)).data.identityVersion)).toEqual(events.map((_, i) => i + 1));
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await Promise.all(stores.map((s) => s.close()));
      await prisma.$disconnect();
      await nats.cleanup();
    }
  });
});
