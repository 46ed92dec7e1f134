// The relay publishes a batch with many publishes in flight. These tests make one row in the middle
// of a batch fail and check that nothing is lost, nothing is marked ahead of the failure, and the
// stream ends up with every row exactly once in id order.
import { buildEvent, EVENTS, SAMPLE_EVENT_DATA, type CloudEvent } from '@skolkonto/contracts';
import { enqueueEvent, SqlOutboxStore, type OutboxTable } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { Client } from 'pg';
import { createTestMessaging, EventPublisher, OutboxRelay, resolveMessagingOptions, type OutboxStore, type TestMessaging } from '../src';

jest.setTimeout(60_000);

let db: TestDatabase;
let pg: Client;
beforeAll(async () => {
  db = await createTestDatabase({ prefix: 'outbox_relay' });
  pg = new Client({ connectionString: db.url });
  await pg.connect();
});
afterAll(async () => {
  await pg.end();
  await db.drop();
});

const tenant = 'lidkoping';
const subject = EVENTS.identityPersonChanged.subject(tenant);

function personChanged(version: number): CloudEvent {
  return buildEvent(EVENTS.identityPersonChanged, { tenant, source: 'identity-normalizer', data: { ...SAMPLE_EVENT_DATA.identityPersonChanged, version } });
}

async function enqueueAll(table: OutboxTable, events: CloudEvent[], headersOf: (i: number) => Record<string, string> = () => ({})): Promise<void> {
  const raw = { $executeRawUnsafe: async (q: string, ...v: unknown[]) => (await pg.query(q, v)).rowCount ?? 0 };
  await pg.query('BEGIN');
  for (const [i, event] of events.entries()) await enqueueEvent(raw, table, { event, subject, headers: headersOf(i) });
  await pg.query('COMMIT');
}

async function streamVersions(nats: TestMessaging): Promise<number[]> {
  return (await nats.readMessages('IDENTITY')).map((m) => JSON.parse(new TextDecoder().decode(m.data)).data.version as number);
}

async function rowStates(table: OutboxTable): Promise<{ published: boolean; attempts: number; last_error: string | null }[]> {
  const r = await pg.query(`SELECT published_at IS NOT NULL AS published, attempts, last_error FROM "${table}" ORDER BY id`);
  return r.rows;
}

describe('an outbox batch with a failure in the middle', () => {
  let nats: TestMessaging;
  let store: SqlOutboxStore;
  beforeEach(async () => {
    nats = await createTestMessaging('outboxmid', { app: 'identity-normalizer' });
  });
  afterEach(async () => {
    await store?.close();
    await nats.cleanup();
  });

  it('marks only the rows before a rejected one, lets none after it into the stream, then publishes the rest once in id order', async () => {
    const table: OutboxTable = 'normalizer_outbox';
    store = new SqlOutboxStore(db.url, table);
    const relay = new OutboxRelay(store, new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options)), { batchSize: 100, maxInFlight: 256 });
    const stream = nats.streamName('IDENTITY');
    const config = (await nats.connection.jsm.streams.info(stream)).config;
    // The stream refuses messages over 4 KiB; row 5 (version 5) carries an 8 KiB header.
    await nats.connection.jsm.streams.update(stream, { ...config, max_msg_size: 4096 });
    const events = Array.from({ length: 12 }, (_, i) => personChanged(i + 1));
    await enqueueAll(table, events, (i): Record<string, string> => (i === 4 ? { 'X-Padding': 'x'.repeat(8192) } : {}));

    await expect(relay.relayOnce()).rejects.toThrow(/size|maximum/i);
    expect(await streamVersions(nats)).toEqual([1, 2, 3, 4]);
    const states = await rowStates(table);
    expect(states.map((s) => s.published)).toEqual([true, true, true, true, ...Array(8).fill(false)]);
    expect(states[4]).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/size|maximum/i) });
    expect(states.slice(5).every((s) => s.attempts === 0 && s.last_error === null)).toBe(true);

    // Still refused on the next round: nothing behind it moves.
    await expect(relay.relayOnce()).rejects.toThrow(/size|maximum/i);
    expect(await streamVersions(nats)).toEqual([1, 2, 3, 4]);

    await nats.connection.jsm.streams.update(stream, { ...config, max_msg_size: -1 });
    expect(await relay.relayOnce()).toBe(8);
    expect(await streamVersions(nats)).toEqual(events.map((_, i) => i + 1));
    expect((await rowStates(table)).every((s) => s.published && s.last_error === null)).toBe(true);
  });

  it('refuses a row that breaks the contract without letting later rows overtake it', async () => {
    const table: OutboxTable = 'provisioner_outbox';
    store = new SqlOutboxStore(db.url, table);
    const relay = new OutboxRelay(store, new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options)), { batchSize: 100 });
    const events = Array.from({ length: 6 }, (_, i) => personChanged(i + 1));
    await enqueueAll(table, events);
    // Corrupt row 3 in the table (as an old bug might have written it): version must be an integer ≥ 1.
    await pg.query(`UPDATE "${table}" SET payload = jsonb_set(payload, '{data,version}', '0'::jsonb) WHERE id = (SELECT id FROM "${table}" ORDER BY id OFFSET 2 LIMIT 1)`);

    await expect(relay.relayOnce()).rejects.toThrow(/refusing to publish/);
    expect(await streamVersions(nats)).toEqual([1, 2]);
    expect((await rowStates(table)).map((s) => s.published)).toEqual([true, true, false, false, false, false]);

    await pg.query(`UPDATE "${table}" SET payload = jsonb_set(payload, '{data,version}', '3'::jsonb) WHERE (payload->'data'->>'version')::int = 0`);
    expect(await relay.relayOnce()).toBe(4);
    expect(await streamVersions(nats)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('after a crash between publish and marking, re-publishes the batch as duplicates and keeps one copy of each in order', async () => {
    const table: OutboxTable = 'federation_outbox';
    store = new SqlOutboxStore(db.url, table);
    const publisher = new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options));
    const events = Array.from({ length: 20 }, (_, i) => personChanged(i + 1));
    await enqueueAll(table, events);
    // The first 7 reached the stream but were never marked (the relay died before its UPDATE).
    for (const event of events.slice(0, 7)) await publisher.publishEvent(event, subject);

    const relay = new OutboxRelay(store, publisher, { batchSize: 100, maxInFlight: 4 });
    expect(await relay.relayOnce()).toBe(20);
    expect(await streamVersions(nats)).toEqual(events.map((_, i) => i + 1));
  });
});

describe('stopping the relay', () => {
  it('publishes the rows written after its last round before stop() resolves (the last handlers of a shutdown)', async () => {
    const nats = await createTestMessaging('outboxstop', { app: 'identity-normalizer' });
    const table: OutboxTable = 'claim_outbox';
    const sql = new SqlOutboxStore(db.url, table);
    // The real store, except that the loop is never woken by NOTIFY or a poll: only stop() can get
    // the rows below out.
    let interrupted!: () => void;
    const stopping = new Promise<void>((resolve) => (interrupted = resolve));
    const store: OutboxStore = {
      relayBatch: (limit, publish) => sql.relayBatch(limit, publish),
      waitForRows: () => stopping,
      interrupt: () => interrupted(),
    };
    const relay = new OutboxRelay(store, new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options)), { batchSize: 2 });
    try {
      relay.start();
      await new Promise((r) => setTimeout(r, 200)); // its first round found nothing; it waits
      await enqueueAll(table, [1, 2, 3, 4, 5].map(personChanged));
      await relay.stop();
      expect(await streamVersions(nats)).toEqual([1, 2, 3, 4, 5]);
      expect(await sql.backlog()).toBe(0);
    } finally {
      await sql.close();
      await nats.cleanup();
    }
  });
});
