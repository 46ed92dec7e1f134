// Relay throughput, outbox row to stream: fills a fresh database's outbox with N rows in one
// transaction, then times one relay publishing them all, and checks count and order in the stream.
// Run: node -r ./apps/register-ingest/test/support/ts-require-hook.js libs/messaging/test/outbox-throughput.ts [rows] [maxInFlight]
import { buildEvent, EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { createPrismaClient, enqueueEvent, SqlOutboxStore } from '@skolkonto/persistence';
import { createTestDatabase } from '@skolkonto/testing';
import { createTestMessaging, EventPublisher, OutboxRelay, resolveMessagingOptions, type TestMessaging } from '../src';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 5000);
  const maxInFlight = process.argv[3] ? Number(process.argv[3]) : undefined;
  const db = await createTestDatabase({ prefix: 'outbox_bench' });
  const nats = await createTestMessaging('outboxbench', { app: 'identity-normalizer' });
  const prisma = createPrismaClient(db.url);
  const store = new SqlOutboxStore(db.url, 'normalizer_outbox');
  const relayOptions = { batchSize: 500, pollMs: 50, ...(maxInFlight ? { maxInFlight } : {}) };
  const relay = new OutboxRelay(store, new EventPublisher(nats.connection.js, resolveMessagingOptions(nats.options)), relayOptions);
  try {
    const subject = EVENTS.identityPersonChanged.subject('lidkoping');
    await prisma.$transaction(
      async (tx) => {
        for (let version = 1; version <= rows; version++) {
          const event = buildEvent(EVENTS.identityPersonChanged, { tenant: 'lidkoping', source: 'identity-normalizer', data: { ...SAMPLE_EVENT_DATA.identityPersonChanged, version } });
          await enqueueEvent(tx, 'normalizer_outbox', { event, subject });
        }
      },
      { timeout: 600_000 },
    );
    const relayBatch = store.relayBatch.bind(store);
    let publishing = 0;
    store.relayBatch = (limit, publish) =>
      relayBatch(limit, async (records) => {
        const t = process.hrtime.bigint();
        try {
          return await publish(records);
        } finally {
          publishing += Number(process.hrtime.bigint() - t) / 1e9;
        }
      });
    const started = process.hrtime.bigint();
    relay.start();
    while ((await store.backlog()) > 0) await new Promise((r) => setTimeout(r, 20));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const versions = await readVersions(nats);
    const inOrder = versions.length === rows && versions.every((v, i) => v === i + 1);
    console.log(JSON.stringify({ rows, maxInFlight: maxInFlight ?? 'default', seconds: Number(seconds.toFixed(2)), publishingSeconds: Number(publishing.toFixed(2)), rowsPerSecond: Math.round(rows / seconds), streamMessages: versions.length, inOrder }));
    if (!inOrder) process.exitCode = 1;
  } finally {
    await relay.stop();
    await store.close();
    await prisma.$disconnect();
    await nats.cleanup();
    await db.drop();
  }
}

/** Every message's data.version in stream order, read with an ordered consumer until the stream's count. */
async function readVersions(nats: TestMessaging): Promise<number[]> {
  const stream = nats.streamName('IDENTITY');
  const total = (await nats.connection.jsm.streams.info(stream)).state.messages;
  const consumer = await nats.connection.js.consumers.get(stream);
  const versions: number[] = [];
  while (versions.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(1000, total - versions.length), expires: 5000 });
    for await (const m of batch) versions.push(JSON.parse(new TextDecoder().decode(m.data)).data.version as number);
  }
  return versions;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
