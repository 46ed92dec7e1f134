import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { createPrismaClient, type PrismaClient } from '../src';
import { enqueueEvents, type OutboxEntry } from '../src/outbox/enqueue-event';
import { outboxChannel } from '../src/outbox/outbox-tables';

function anEntry(n: number): OutboxEntry {
  const id = randomUUID();
  return {
    subject: `federation.skara.attributes.published`,
    event: { specversion: '1.0', id, type: 'se.skolkonto.test.v1', source: 'test', subject: `person-${n}`, time: new Date().toISOString(), tenant: 'skara', data: { n } } as never,
  };
}

describe(enqueueEvents.name, () => {
  let database: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'enqueue_events' });
    prisma = createPrismaClient(database.url, { poolSize: 2 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  it('writes many events in their order with one wake-up of the relay, once each however often they are given', async () => {
    const listener = new Client({ connectionString: database.url });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (message) => notifications.push(message.channel));
    await listener.query(`LISTEN "${outboxChannel('federation_outbox')}"`);
    try {
      // More than one insert's worth of rows (1,000 a statement).
      const entries = Array.from({ length: 1203 }, (_, n) => anEntry(n));
      await prisma.$transaction((tx) => enqueueEvents(tx, 'federation_outbox', entries));
      await prisma.$transaction((tx) => enqueueEvents(tx, 'federation_outbox', entries.slice(0, 10)));
      const rows = await prisma.$queryRawUnsafe<Array<{ event_id: string; subject: string; payload: { data: { n: number } } }>>(
        'SELECT event_id::text, subject, payload FROM federation_outbox ORDER BY id',
      );
      expect(rows.map((row) => row.payload.data.n)).toEqual(entries.map((_, n) => n));
      expect(rows.map((row) => row.event_id)).toEqual(entries.map((entry) => entry.event.id));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notifications).toEqual([outboxChannel('federation_outbox'), outboxChannel('federation_outbox')]);
    } finally {
      await listener.end();
    }
  });

  it('refuses a table that is not an outbox before writing anything', async () => {
    await expect(prisma.$transaction((tx) => enqueueEvents(tx, 'federation_person' as never, [anEntry(1)]))).rejects.toThrow();
  });
});
