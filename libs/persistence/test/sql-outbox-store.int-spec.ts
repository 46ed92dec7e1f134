import { createTestDatabase, endOtherConnections, type TestDatabase } from '@skolkonto/testing';
import { SqlOutboxStore } from '../src/outbox/sql-outbox-store';

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
});
