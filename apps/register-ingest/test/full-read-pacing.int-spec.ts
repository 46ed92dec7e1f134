// A full read waits for the pipeline to work off what it caused: real simulator, real ingest app,
// real NATS JetStream, and a durable consumer on the REGISTER stream standing in for the slowest
// stage downstream (it acknowledges at a fixed pace, or not at all).
import { AckPolicy, DeliverPolicy } from 'nats';
import { IngestHarness, startIngest } from './support/ingest-harness';
import { SimulatorProcess, startSimulator } from './support/simulator-process';

const TENANTS = ['paced', 'stalled'] as const;
const PERSONS = 1000;
const PAGE = 250;
const MAX_BACKLOG = 150;
const STALL_SECONDS = 3;
const token = (tenant: string) => `register-token-${tenant}-0123456789`;

describe('register-ingest: a full read goes on at the pipeline’s pace', () => {
  let simulator: SimulatorProcess;
  let ingest: IngestHarness;

  beforeAll(async () => {
    simulator = await startSimulator(TENANTS.map((id, i) => ({ id, municipalityCode: String(1480 + i), persons: PERSONS, token: token(id) })));
    ingest = await startIngest(
      TENANTS.map((id) => ({ id, municipalityCode: '1480', baseUrl: simulator.baseUrl(id), webhookSecret: `webhook-secret-${id}-0123456789`, registerToken: token(id) })),
      {
        label: 'paced',
        env: {
          INGEST_PAGE_SIZE: String(PAGE),
          INGEST_FULL_READ_MAX_BACKLOG: String(MAX_BACKLOG),
          INGEST_FULL_READ_STALL_SECONDS: String(STALL_SECONDS),
        },
      },
    );
  }, 240_000);

  afterAll(async () => {
    await ingest?.close();
    await simulator?.stop();
  });

  /** A durable consumer of one tenant's person events, as a downstream app would have. */
  async function downstreamConsumer(tenant: string) {
    const { jsm } = ingest.messaging.connection;
    const stream = ingest.messaging.streamName('REGISTER');
    const durable = `downstream-${tenant}`;
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${ingest.messaging.namespace}.register.${tenant}.person.>`,
      max_ack_pending: 10_000,
    });
    return {
      stream,
      durable,
      outstanding: async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_pending + info.num_ack_pending;
      },
      remove: () => jsm.consumers.delete(stream, durable),
    };
  }

  async function pacedSeconds(tenant: string): Promise<number> {
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('skolkonto_ingest_full_read_paced_seconds_total{') && l.includes(`tenant="${tenant}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('keeps what its slowest consumer has not acknowledged near the limit, and loses nothing', async () => {
    const downstream = await downstreamConsumer('paced');
    const consumer = await ingest.messaging.connection.js.consumers.get(downstream.stream, downstream.durable);
    let peak = 0;
    const received = new Set<string>();
    let done = false;
    // The stage downstream: 20 events every 100 ms (about 200/s), measuring what it has not acknowledged.
    const working = (async () => {
      while (!done || (await downstream.outstanding()) > 0) {
        peak = Math.max(peak, await downstream.outstanding());
        const batch = await consumer.fetch({ max_messages: 20, expires: 1000 });
        for await (const message of batch) {
          received.add(JSON.parse(new TextDecoder().decode(message.data)).subject as string);
          message.ack();
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      const result = await ingest.scheduler.requestFull('paced', 'manual');
      expect(result).toMatchObject({ outcome: 'succeeded' });
      await ingest.flushed();
    } finally {
      done = true;
      await working;
      await downstream.remove();
    }
    const persons = (await simulator.list('paced', 'persons')).map((person) => person.id as string);
    expect(persons).toHaveLength(PERSONS);
    expect([...received].sort()).toEqual([...persons].sort());
    // Unpaced, the read would have put all 1,000 in front of the consumer within a second or two.
    // Paced: at most a whole page (before the read first had to wait) over the limit, then steps
    // of 100 that go only while they fit under it.
    expect(peak).toBeLessThanOrEqual(MAX_BACKLOG + PAGE);
    expect(await pacedSeconds('paced')).toBeGreaterThan(1);
  }, 120_000);

  it('goes on when no consumer acknowledges anything (an app is down), after the stall time', async () => {
    const downstream = await downstreamConsumer('stalled');
    try {
      const result = await ingest.scheduler.requestFull('stalled', 'manual');
      expect(result).toMatchObject({ outcome: 'succeeded' });
      await ingest.flushed();
      // Every person was published, though nothing downstream took any of them.
      expect(await downstream.outstanding()).toBe(PERSONS);
      const waited = await pacedSeconds('stalled');
      expect(waited).toBeGreaterThanOrEqual(STALL_SECONDS);
      // Once stalled, the rest of the read did not wait again for every step.
      expect(waited).toBeLessThan(STALL_SECONDS * 3);
    } finally {
      await downstream.remove();
    }
  }, 120_000);
});
