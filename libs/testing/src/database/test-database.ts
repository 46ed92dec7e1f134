import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '@skolkonto/persistence';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** The server-level URL tests create their databases through (trust auth on this machine and in CI). */
export function adminDatabaseUrl(): string {
  return process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A fresh PostgreSQL database for one test file, migrated unless asked otherwise; `drop()`
 * removes it even while connections are still open.
 */
export async function createTestDatabase(options: { migrate?: boolean; prefix?: string } = {}): Promise<TestDatabase> {
  const name = `${options.prefix ?? 'skolkonto_test'}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminDatabaseUrl(), name);
  if (options.migrate !== false) await migrate(url);
  return {
    name,
    url,
    async drop() {
      const client = new Client({ connectionString: adminDatabaseUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Ends every other connection to the database from the server side, as a PostgreSQL restart or
 * failover would; returns how many it ended.
 */
export async function endOtherConnections(databaseUrl: string): Promise<number> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ ended: string }>(
      'SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return Number(rows[0]!.ended);
  } finally {
    await admin.end();
  }
}
