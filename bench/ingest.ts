// npm run bench:ingest — register-ingest against the register simulator (separate process, HTTP),
// real PostgreSQL and NATS JetStream. Not a test: it measures and prints.
//  1. full sync of BENCH_PERSONS (default 20,000) persons with their groups, organisations and duties:
//     time until every event is published to JetStream; persons/s and events/s (target ≥ 2,000 persons/s);
//  2. webhook → published: 10 persons renamed in the register, then one webhook; time until the 10
//     person events are on JetStream (target < 500 ms); plus the same with the simulator's own webhooks.
import 'reflect-metadata';
// A benchmark drives the real app and the simulator: it is not an app, so it may import their sources.
/* eslint-disable no-restricted-imports */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIngest } from '../apps/register-ingest/test/support/ingest-harness';
import { startSimulator } from '../apps/register-ingest/test/support/simulator-process';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 5);
const TENANT = 'bench';
const TOKEN = 'bench-register-token-0123456789';
const SECRET = 'bench-webhook-secret-0123456789';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(`seeding the simulator with ${PERSONS} persons …`);
  const simulator = await startSimulator([{ id: TENANT, municipalityCode: '1494', persons: PERSONS, token: TOKEN }], { bootTimeoutMs: 900_000 });
  console.log(`simulator ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const ingest = await startIngest(
    [{ id: TENANT, municipalityCode: '1494', baseUrl: simulator.baseUrl(TENANT), webhookSecret: SECRET, registerToken: TOKEN }],
    { env: { INGEST_PAGE_SIZE: '1000', INGEST_OVERLAP_SECONDS: '1' }, label: 'bench-ingest' },
  );
  const { nc } = ingest.messaging.connection;
  const subjectPrefix = `${ingest.messaging.namespace}.register.${TENANT}.`;
  try {
    const tenants = (await simulator.admin('GET', '/tenants')) as { tenant: string; counts: Record<string, number> }[];
    const counts = tenants.find((t) => t.tenant === TENANT)!.counts;
    const records = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(`register: ${JSON.stringify(counts)}`);

    // 1. Full sync until the last event is on JetStream.
    let received = 0;
    let lastAt = 0;
    // The register's records only: the run's own register.<tenant>.sync.completed is not one of them.
    const all = nc.subscribe(`${subjectPrefix}>`, {
      callback: (_err, msg) => {
        if (msg.subject.endsWith('.sync.completed')) return;
        received += 1;
        lastAt = performance.now();
      },
    });
    const start = performance.now();
    const result = await ingest.scheduler.requestFull(TENANT, 'bench');
    const written = performance.now();
    await ingest.flushed(600_000);
    while (received < records && performance.now() - lastAt < 5_000) await new Promise((r) => setTimeout(r, 20));
    const done = Math.max(lastAt, written);
    all.unsubscribe();
    if (result.outcome !== 'succeeded') throw new Error(`full sync ${result.outcome}: ${result.error}`);
    const seconds = (done - start) / 1000;
    const full = {
      persons: counts.persons,
      events: received,
      expectedEvents: records,
      readAndWrittenSeconds: +((written - start) / 1000).toFixed(2),
      publishedSeconds: +seconds.toFixed(2),
      personsPerSecond: Math.round(counts.persons! / seconds),
      eventsPerSecond: Math.round(received / seconds),
    };
    console.log(`full sync: ${JSON.stringify(full)}`);

    // 2a. Ten renames in the register, then one webhook (as the register sends it): time until the
    // ten person events are published.
    const persons = (await simulator.list(TENANT, 'persons')).map((p) => p.id as string);
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ids = persons.slice(round * 10, round * 10 + 10);
      for (const [i, id] of ids.entries()) {
        await simulator.admin('POST', `/tenants/${TENANT}/persons/${id}/rename`, { givenName: `Bänk${round}-${i}` });
      }
      const pending = new Set(ids);
      let finished!: () => void;
      const allTen = new Promise<void>((resolve) => (finished = resolve));
      const sub = nc.subscribe(`${subjectPrefix}person.upserted`, {
        callback: (_err, msg) => {
          const event = JSON.parse(new TextDecoder().decode(msg.data)) as { subject: string };
          pending.delete(event.subject);
          if (pending.size === 0) finished();
        },
      });
      await nc.flush();
      const sent = performance.now();
      const response = await fetch(`${ingest.url}/webhooks/${TENANT}?secret=${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ modifiedEntites: ['Person'], deletedEntities: false }),
      });
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
      await Promise.race([allTen, new Promise((_, reject) => setTimeout(() => reject(new Error('10 events not seen in 30 s')), 30_000))]);
      latencies.push(performance.now() - sent);
      sub.unsubscribe();
      await ingest.flushed();
    }
    const webhook = {
      rounds: ROUNDS,
      p50Ms: +percentile(latencies, 50).toFixed(1),
      maxMs: +Math.max(...latencies).toFixed(1),
      allMs: latencies.map((l) => +l.toFixed(1)),
    };
    console.log(`webhook → 10 person events published: ${JSON.stringify(webhook)}`);

    // 2b. The register's own webhooks: subscribe, rename 10 persons one by one (each change fires a
    // webhook; ingest coalesces them); time from the first change to the tenth event.
    const subscribe = await fetch(`${simulator.baseUrl(TENANT)}/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', target: `${ingest.url}/webhooks/${TENANT}?secret=${SECRET}`, resourceTypes: [{ resource: 'Person' }] }),
    });
    if (subscribe.status !== 201) throw new Error(`subscription answered ${subscribe.status}`);
    const ids = persons.slice(1000, 1010);
    const pending = new Set(ids);
    let finished!: () => void;
    const allTen = new Promise<void>((resolve) => (finished = resolve));
    const sub = nc.subscribe(`${subjectPrefix}person.upserted`, {
      callback: (_err, msg) => {
        pending.delete((JSON.parse(new TextDecoder().decode(msg.data)) as { subject: string }).subject);
        if (pending.size === 0) finished();
      },
    });
    await nc.flush();
    const first = performance.now();
    for (const [i, id] of ids.entries()) await simulator.admin('POST', `/tenants/${TENANT}/persons/${id}/rename`, { familyName: `Webhooksson-${i}` });
    const lastChange = performance.now();
    await Promise.race([allTen, new Promise((_, reject) => setTimeout(() => reject(new Error('10 events not seen in 30 s')), 30_000))]);
    const end = performance.now();
    sub.unsubscribe();
    const registerWebhooks = { firstChangeToTenthEventMs: +(end - first).toFixed(1), lastChangeToTenthEventMs: +(end - lastChange).toFixed(1) };
    console.log(`register webhooks, 10 renames: ${JSON.stringify(registerWebhooks)}`);

    const results = { when: new Date().toISOString(), persons: PERSONS, full, webhook, registerWebhooks, targets: { personsPerSecond: 2000, webhookMs: 500 } };
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ingest.json'), JSON.stringify(results, null, 2));
    console.log(
      `\nfull sync ${full.personsPerSecond} persons/s (${full.eventsPerSecond} events/s; target ≥ 2000 persons/s: ${full.personsPerSecond >= 2000 ? 'met' : 'NOT met'})` +
        `\nwebhook → 10 events p50 ${webhook.p50Ms} ms, max ${webhook.maxMs} ms (target < 500 ms: ${webhook.maxMs < 500 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await ingest.close();
    await simulator.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
