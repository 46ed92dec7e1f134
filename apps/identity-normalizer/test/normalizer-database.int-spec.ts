import { createTestDatabase, endOtherConnections, type TestDatabase } from '@skolkonto/testing';
import { NormalizerDatabase } from '../src/normalize-identity/normalizer-database';

/**
 * PostgreSQL may end any connection (restart, failover, pg_terminate_backend). An idle pooled
 * connection then emits 'error' on the pool; unhandled, that ends the process. The normalizer must
 * shrug it off and reconnect for the next batch.
 */
describe(NormalizerDatabase.name, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'normalizer_db' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('survives PostgreSQL ending its idle connections and runs the next transaction', async () => {
    const database = new NormalizerDatabase(db.url);
    try {
      await database.transaction((tx) => tx.$queryRawUnsafe('SELECT 1')); // leaves an idle connection in the pool
      expect(await endOtherConnections(db.url)).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the 'error' arrive
      await expect(database.transaction((tx) => tx.$queryRawUnsafe<Array<{ one: number }>>('SELECT 1 AS one'))).resolves.toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });
});
