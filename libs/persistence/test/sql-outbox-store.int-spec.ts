import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, endOtherConnections, type TestDatabase } from '@skolkonto/testing';
import { SqlOutboxStore, type OutboxRecord } from '../src/outbox/sql-outbox-store';

/**
 * PostgreSQL may end any connection (restart, failover, pg_terminate_backend). An idle pooled
 * connection then emits 'error' on the pool; without a listener that is an uncaught exception that
 * ends the app. The store must shrug it off and reconnect for the next query.
 */
describe(SqlOutboxStore.name, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'outbox_store' });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('survives PostgreSQL ending its idle connections and answers again', async () => {
    const store = new SqlOutboxStore(database.url, 'federation_outbox');
    try {
      expect(await store.backlog()).toBe(0); // leaves one idle connection in the pool
      expect(await endOtherConnections(database.url)).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the 'error' arrive
      expect(await store.backlog()).toBe(0);
    } finally {
      await store.close();
    }
  });

  describe('where a batch starts reading', () => {
    const GRACE_MS = 300;
    let db: Client;
    let store: SqlOutboxStore;
    const published: string[] = [];
    const publishAll = async (records: readonly OutboxRecord[]) => {
      published.push(...records.map((r) => r.subject));
      return { published: records.length };
    };
    const insert = (client: Client, subject: string) =>
      client.query(`INSERT INTO provisioner_outbox (event_id, subject, payload, headers) VALUES ($1::uuid, $2, '{}'::jsonb, '{}'::jsonb)`, [randomUUID(), subject]);

    beforeAll(async () => {
      db = new Client({ connectionString: database.url });
      await db.connect();
      store = new SqlOutboxStore(database.url, 'provisioner_outbox', GRACE_MS);
    });
    afterAll(async () => {
      await store.close();
      await db.end();
    });
    beforeEach(() => {
      published.length = 0;
    });

    it('reads on after its last batch, and a row that turns up behind it is published by the read from the start within the grace period', async () => {
      for (const subject of ['a', 'b', 'c']) await insert(db, subject);
      expect(await store.relayBatch(100, publishAll)).toMatchObject({ published: 3 });
      // A row unpublished behind the relay's position (as a transaction that committed long after
      // taking its id would leave it), then a new row.
      await db.query(`UPDATE provisioner_outbox SET published_at = NULL WHERE subject = 'a'`);
      await insert(db, 'd');
      expect(await store.relayBatch(100, publishAll)).toMatchObject({ published: 1 });
      expect(published).toEqual(['a', 'b', 'c', 'd']);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 50));
      expect(await store.relayBatch(100, publishAll)).toMatchObject({ published: 1 });
      expect(published).toEqual(['a', 'b', 'c', 'd', 'a']);
      expect(await store.backlog()).toBe(0);
    });

    it('after waiting for a row still committing, reads from that row: it goes out first once committed', async () => {
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 50)); // the next batch reads from the start
      expect(await store.relayBatch(100, publishAll)).toMatchObject({ published: 0 });
      const slow = new Client({ connectionString: database.url });
      await slow.connect();
      try {
        await slow.query('BEGIN');
        await insert(slow, 'slow');
        await insert(db, 'after');
        // Well within the grace period: the relay waits for the missing id instead of going past it.
        expect(await store.relayBatch(100, publishAll)).toMatchObject({ published: 0, waitingForGap: true });
        await slow.query('COMMIT');
      } finally {
        await slow.end();
      }
      expect(await store.relayBatch(100, publishAll)).toMatchObject({ published: 2 });
      expect(published).toEqual(['slow', 'after']);
    });
  });
});
