// npm run bench:messaging — events/s and end-to-end latency (publish → handler) through our transport
// (validated publish with ack + JetStreamServer with validation, ordering and explicit ack) next to a
// bare `nats` JetStream publish/consume loop, in the same run, on the same server. Not a test.
import 'reflect-metadata';
import type { MessageHandler } from '@nestjs/microservices';
import { buildEvent, EVENTS, SAMPLE_EVENT_DATA } from '@skolkonto/contracts';
import { AckPolicy, connect, DeliverPolicy, nanos, type NatsConnection } from 'nats';
import {
  connectMessaging,
  deleteNamespaceStreams,
  EventPublisher,
  JetStreamServer,
  uniqueNamespace,
  type MessagingConnection,
} from '@skolkonto/messaging';

const N = Number(process.env.BENCH_EVENTS ?? 10_000);
const IN_FLIGHT = 256;
const RATE = 1000;
const RATE_SECONDS = 5;
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

function uuid(i: number, salt: number): string {
  return `${salt.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Run {
  eventsPerSecond: number;
  p50: number;
  p99: number;
}

type Sender = (i: number) => Promise<void>;

/** Publishes `count` events (IN_FLIGHT at once, or paced at `rate`/s) and waits until all were handled. */
async function drive(count: number, send: Sender, received: () => number, rate?: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      if (rate) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await send(i);
    }
  };
  await Promise.all(Array.from({ length: rate ? 32 : IN_FLIGHT }, worker));
  while (received() < count) await new Promise((r) => setTimeout(r, 2));
  return performance.now() - started;
}

async function bare(nc: NatsConnection, namespace: string, count: number, rate?: number): Promise<Run> {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const stream = `${namespace.toUpperCase()}_BARE`;
  await jsm.streams.add({ name: stream, subjects: [`${namespace}.bare.>`], duplicate_window: nanos(120_000) });
  await jsm.consumers.add(stream, { durable_name: 'bare', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const consumer = await js.consumers.get(stream, 'bare');
  const messages = await consumer.consume({ max_messages: 512 });
  const loop = (async () => {
    for await (const m of messages) {
      const body = JSON.parse(new TextDecoder().decode(m.data)) as { i: number };
      m.ack();
      latencies.push(performance.now() - sentAt.get(body.i)!);
    }
  })();
  const sample = buildEvent(EVENTS.identityPersonChanged, { tenant: 'lidkoping', source: 'bench', data: SAMPLE_EVENT_DATA.identityPersonChanged });
  const salt = Math.floor(Math.random() * 0xffffff);
  const enc = new TextEncoder();
  const ms = await drive(
    count,
    async (i) => {
      sentAt.set(i, performance.now());
      await js.publish(`${namespace}.bare.lidkoping.person.changed`, enc.encode(JSON.stringify({ ...sample, id: uuid(i, salt), i })), { msgID: uuid(i, salt) });
    },
    () => latencies.length,
    rate,
  );
  messages.stop();
  await loop;
  await jsm.streams.delete(stream);
  return { eventsPerSecond: (count / ms) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function ours(connection: MessagingConnection, durable: string, count: number, rate?: number): Promise<Run> {
  await connection.jsm.streams.purge(`${connection.options.namespace!.toUpperCase()}_IDENTITY`);
  const publisher = new EventPublisher(connection.js, connection.options);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const server = new JetStreamServer({ ...connection.options, connection, concurrency: 64 });
  server.addHandler(
    'identity.*.person.changed',
    (async (event: { id: string }) => {
      const at = sentAt.get(event.id);
      if (at !== undefined) latencies.push(performance.now() - at);
    }) as unknown as MessageHandler,
    true,
    { durable },
  );
  await server.start();
  const salt = Math.floor(Math.random() * 0xffffff);
  const ms = await drive(
    count,
    async (i) => {
      const id = uuid(i, salt);
      // Many identities (as in a reconcile): per-identity ordering still applies within each.
      const data = { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId: uuid(i % 500, 0xabc), version: 1 + Math.floor(i / 500) };
      sentAt.set(id, performance.now());
      await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data, id });
    },
    () => latencies.length,
    rate,
  );
  await server.close();
  return { eventsPerSecond: (count / ms) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function line(name: string, run: Run): string {
  return `${name.padEnd(34)} ${run.eventsPerSecond.toFixed(0).padStart(8)} events/s   p50 ${run.p50.toFixed(2).padStart(7)} ms   p99 ${run.p99.toFixed(2).padStart(7)} ms`;
}

async function main() {
  const namespace = uniqueNamespace('bench');
  const nc = await connect({ servers });
  const connection = await connectMessaging({ servers, app: 'bench', namespace, maxAgeMs: 600_000 });
  try {
    // Warm-up, then the measured runs.
    await bare(nc, namespace, 1000);
    await ours(connection, 'bench-warmup', 1000);
    const bareMax = await bare(nc, namespace, N);
    const oursMax = await ours(connection, 'bench-max', N);
    const bareRate = await bare(nc, namespace, RATE * RATE_SECONDS, RATE);
    const oursRate = await ours(connection, 'bench-rate', RATE * RATE_SECONDS, RATE);
    const ratio = oursMax.eventsPerSecond / bareMax.eventsPerSecond;
    console.log(`JetStream messaging benchmark (${N} events of ~${JSON.stringify(SAMPLE_EVENT_DATA.identityPersonChanged).length} B data, ${IN_FLIGHT} publishes in flight)`);
    console.log(line('bare nats, max throughput', bareMax));
    console.log(line('skolkonto transport, max', oursMax));
    console.log(`throughput ratio (ours / bare): ${(ratio * 100).toFixed(1)} %  (target ≥ 70 %)`);
    console.log(line(`bare nats at ${RATE}/s`, bareRate));
    console.log(line(`skolkonto transport at ${RATE}/s`, oursRate));
    console.log(`p99 at ${RATE}/s through our transport: ${oursRate.p99.toFixed(2)} ms (target < 20 ms)`);
  } finally {
    await deleteNamespaceStreams(connection.jsm, namespace);
    await connection.close();
    await nc.drain();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
