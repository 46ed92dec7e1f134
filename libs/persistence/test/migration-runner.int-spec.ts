import { cpSync, mkdtempSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@skolkonto/testing';
import { defaultMigrationsDir, migrate, MigrationError, readMigrations } from '@skolkonto/persistence';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('migration runner', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase({ migrate: false });
  });

  afterEach(async () => {
    await database.drop();
  });

  it('applies each migration exactly once when several replicas start at the same time', async () => {
    const expected = readMigrations(defaultMigrationsDir()).map((migration) => migration.name);
    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(database.url)));

    const appliedSomewhere = results.flatMap((result) => result.applied).sort();
    expect(appliedSomewhere).toEqual(expected);
    const rows = await query<{ migration_name: string; applied_steps_count: number; finished_at: Date | null }>(
      database.url,
      'SELECT migration_name, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(expected);
    expect(rows.every((row) => row.applied_steps_count === 1 && row.finished_at !== null)).toBe(true);
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    await migrate(database.url, { migrationsDir: dir });

    const first = readdirSync(dir).filter((name) => /^\d{14}_/.test(name)).sort()[0];
    appendFileSync(join(dir, first, 'migration.sql'), '\n-- an innocent-looking edit\n');

    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: expect.stringContaining(first),
    });
  });

  it('leaves nothing behind when a migration fails, so a fixed one can be applied later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    const broken = join(dir, '20990101000000_broken');
    require('node:fs').mkdirSync(broken);
    writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');

    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toBeInstanceOf(MigrationError);
    const tables = await query<{ table_name: string }>(
      database.url,
      "SELECT table_name FROM information_schema.tables WHERE table_name = 'half_done'",
    );
    expect(tables).toHaveLength(0);
    expect(await query(database.url, 'SELECT * FROM "_prisma_migrations"')).toHaveLength(0);

    writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE half_done (id int);\n');
    await expect(migrate(database.url, { migrationsDir: dir })).resolves.toEqual({
      applied: ['20990101000000_broken'],
      alreadyApplied: [],
    });
  });

  it('records the same sha256 checksum Prisma Migrate computes for the file', async () => {
    await migrate(database.url);
    const [first] = readMigrations(defaultMigrationsDir());
    const rows = await query<{ checksum: string }>(
      database.url,
      `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = '${first.name}'`,
    );
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const onDisk = require('node:fs').readFileSync(join(defaultMigrationsDir(), first.name, 'migration.sql'));
    expect(rows[0].checksum).toBe(createHash('sha256').update(onDisk).digest('hex'));
  });
});
