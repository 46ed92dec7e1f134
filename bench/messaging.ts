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

const N = Number(process.env.BENCH_EVENTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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


/** Publish-only then consume-only (no overlap), bare. Returns [publish, consume] events/s. */
async function barePhases(nc: NatsConnection, namespace: string, count: number): Promise<[number, number]> {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const stream = `${namespace.toUpperCase()}_BAREP`;
  await jsm.streams.add({ name: stream, subjects: [`${namespace}.barep.>`], duplicate_window: nanos(120_000) });
  const sample = buildEvent(EVENTS.identityPersonChanged, { tenant: 'lidkoping', source: 'bench', data: SAMPLE_EVENT_DATA.identityPersonChanged });
  const salt = Math.floor(Math.random() * 0xffffff);
  const enc = new TextEncoder();
  let published = 0;
  const pubMs = await drive(count, async (i) => {
    await js.publish(`${namespace}.barep.lidkoping.person.changed`, enc.encode(JSON.stringify({ ...sample, id: uuid(i, salt) })), { msgID: uuid(i, salt) });
    published++;
  }, () => published);
  await jsm.consumers.add(stream, { durable_name: 'barep', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
  let first = 0;
  let got = 0;
  const messages = await (await js.consumers.get(stream, 'barep')).consume({ max_messages: 512 });
  for await (const m of messages) {
    if (got === 0) first = performance.now();
    JSON.parse(new TextDecoder().decode(m.data));
    m.ack();
    if (++got === count) break;
  }
  // From the first message handled to the last: consumer set-up is not part of the rate.
  const consMs = performance.now() - first;
  await jsm.streams.delete(stream);
  return [(count / pubMs) * 1000, (count / consMs) * 1000];
}

/** Publish-only then consume-only (no overlap), through our publisher and transport. */
async function ourPhases(connection: MessagingConnection, durable: string, count: number): Promise<[number, number]> {
  await connection.jsm.streams.purge(`${connection.options.namespace!.toUpperCase()}_IDENTITY`);
  const publisher = new EventPublisher(connection.js, connection.options);
  let published = 0;
  const pubMs = await drive(count, async (i) => {
    const data = { ...SAMPLE_EVENT_DATA.identityPersonChanged, identityId: uuid(i % 500, 0xabc), version: 1 + Math.floor(i / 500) };
    await publisher.publish(EVENTS.identityPersonChanged, { tenant: 'lidkoping', data });
    published++;
  }, () => published);
  let got = 0;
  let first = 0;
  let last = 0;
  const server = new JetStreamServer({ ...connection.options, connection, concurrency: 64 });
  server.addHandler(
    'identity.*.person.changed',
    (async () => {
      if (got++ === 0) first = performance.now();
      last = performance.now();
    }) as unknown as MessageHandler,
    true,
    { durable },
  );
  await server.start();
  while (got < count) await new Promise((r) => setTimeout(r, 2));
  const consMs = last - first;
  await server.close();
  return [(count / pubMs) * 1000, (count / consMs) * 1000];
}

function middle(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[Math.floor(runs.length / 2)]!;
}

function line(name: string, run: Run): string {
  return `${name.padEnd(38)} ${run.eventsPerSecond.toFixed(0).padStart(8)} events/s   p50 ${run.p50.toFixed(2).padStart(7)} ms   p99 ${run.p99.toFixed(2).padStart(7)} ms`;
}

async function main() {
  const namespace = uniqueNamespace('bench');
  const nc = await connect({ servers });
  const connection = await connectMessaging({ servers, app: 'bench', namespace, maxAgeMs: 600_000 });
  try {
    // Warm-up, then alternating rounds (this machine is shared: load changes from second to second,
    // so each side gets the same conditions), reporting the median round of each.
    await bare(nc, namespace, 1000);
    await ours(connection, 'bench-warmup', 1000);
    const bareMax: Run[] = [];
    const oursMax: Run[] = [];
    const phases: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareMax.push(await bare(nc, namespace, N));
      oursMax.push(await ours(connection, `bench-max-${round}`, N));
      phases.push([...(await barePhases(nc, namespace, N)), ...(await ourPhases(connection, `bench-phase-${round}`, N))]);
    }
    const bareRate = await bare(nc, namespace, RATE * RATE_SECONDS, RATE);
    const oursRate = await ours(connection, 'bench-rate', RATE * RATE_SECONDS, RATE);
    const b = median(bareMax);
    const o = median(oursMax);
    const ratios = bareMax.map((r, i) => oursMax[i]!.eventsPerSecond / r.eventsPerSecond);
    console.log(`JetStream messaging benchmark (${N} events × ${ROUNDS} rounds, ~${JSON.stringify(SAMPLE_EVENT_DATA.identityPersonChanged).length} B data, ${IN_FLIGHT} publishes in flight)`);
    console.log(line('bare nats, max throughput (median)', b));
    console.log(line('skolkonto transport, max (median)', o));
    console.log(`throughput ratio (ours / bare): median ${(median(ratios.map((r) => ({ eventsPerSecond: r, p50: 0, p99: 0 }))).eventsPerSecond * 100).toFixed(1)} %, per round ${ratios.map((r) => `${(r * 100).toFixed(0)} %`).join(', ')}  (target ≥ 70 %)`);
    const col = (k: number) => middle(phases.map((p) => p[k]!));
    console.log(`publish only (median):  bare ${col(0).toFixed(0)}/s, ours ${col(2).toFixed(0)}/s → ${((col(2) / col(0)) * 100).toFixed(1)} %`);
    console.log(`consume only (median):  bare ${col(1).toFixed(0)}/s, ours ${col(3).toFixed(0)}/s → ${((col(3) / col(1)) * 100).toFixed(1)} %`);
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
