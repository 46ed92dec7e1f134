import { Logger } from '@nestjs/common';
import { Pool, types, type PoolClient } from 'pg';

/**
 * The normalizer's batch transactions run on node-postgres directly: each batch sends a few
 * megabytes of JSON in a dozen set-based statements, and Prisma's raw-query path roughly doubled
 * the cost of those large parameters (measured: 800 KB jsonb parameter, ~60 ms through Prisma's
 * pg adapter vs ~30 ms on pg). The tables are still defined, migrated and read through Prisma.
 */
export interface SqlTx {
  $queryRawUnsafe<T = unknown>(sql: string, ...params: unknown[]): Promise<T>;
  $executeRawUnsafe(sql: string, ...params: unknown[]): Promise<number>;
}

/** One connection runs one statement at a time: concurrent callers are queued in call order. */
class PgTx implements SqlTx {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(private readonly client: PoolClient) {}
  async $queryRawUnsafe<T = unknown>(sql: string, ...params: unknown[]): Promise<T> {
    return (await this.run(sql, params)).rows as T;
  }
  async $executeRawUnsafe(sql: string, ...params: unknown[]): Promise<number> {
    return (await this.run(sql, params)).rowCount ?? 0;
  }
  private run(sql: string, params: unknown[]) {
    const next = this.tail.then(() => this.client.query(sql, params));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class NormalizerDatabase {
  private readonly pool: Pool;
  private readonly logger = new Logger(NormalizerDatabase.name);

  constructor(databaseUrl: string, options: { poolSize?: number } = {}) {
    this.pool = new Pool({ connectionString: databaseUrl, max: options.poolSize ?? 4 });
    // An idle pooled connection that PostgreSQL ends (restart, failover, a dropped database) emits
    // 'error' on the pool; unhandled, that would end the process. The pool drops it and the next
    // batch opens a new one.
    this.pool.on('error', (error) => this.logger.warn({ error: error.message, msg: 'lost an idle database connection' }));
    // int8 (counts) as numbers: the normalizer's counts never approach 2^53.
    types.setTypeParser(types.builtins.INT8, (value) => Number(value));
  }

  /** Runs `work` in one READ COMMITTED transaction; rolls back on any error. */
  async transaction<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new PgTx(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
