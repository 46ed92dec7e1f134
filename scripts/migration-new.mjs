#!/usr/bin/env node
// Writes a new SQL migration for the changes in ONE app's schema file:
//   npm run db:migration -- <schema-file-name> <migration_name>
//   npm run db:migration -- identity-normalizer add_identities
// It diffs prisma/migrations/.snapshot (the schema as of the last migration) against the snapshot
// with only that file replaced by its current version, so half-finished work in another app's file
// never leaks into this migration. Prisma 7's CLI needs a native engine for `migrate diff`;
// Prisma 6.19's JavaScript engine does the diff offline, so it is installed once under .stack/tools.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const [file, name] = process.argv.slice(2);
if (!file || !name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <schema-file-without-.prisma> <migration_name_in_snake_case>');
  process.exit(2);
}
const current = join(root, 'prisma/schema', `${file}.prisma`);
if (!existsSync(current)) {
  console.error(`no schema file prisma/schema/${file}.prisma`);
  process.exit(2);
}

// The JS engine opens a connection (it never writes); any reachable PostgreSQL will do.
const adminUrl = process.env.MIGRATION_DIFF_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const tools = join(root, '.stack/tools/prisma6');
if (!existsSync(join(tools, 'node_modules/.bin/prisma'))) {
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, 'package.json'), '{"private":true}');
  const install = spawnSync('npm', ['install', '--prefix', tools, 'prisma@6.19', '@prisma/adapter-pg@6.19', 'pg'], {
    stdio: 'inherit',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const snapshot = join(root, 'prisma/migrations/.snapshot');
const work = mkdtempSync(join(tmpdir(), 'skolkonto-migration-'));
const from = join(work, 'from');
const to = join(work, 'to');
mkdirSync(from);
if (existsSync(snapshot)) cpSync(snapshot, from, { recursive: true });
cpSync(from, to, { recursive: true });
cpSync(join(root, 'prisma/schema/base.prisma'), join(from, 'base.prisma'));
cpSync(join(root, 'prisma/schema/base.prisma'), join(to, 'base.prisma'));
cpSync(current, join(to, `${file}.prisma`));

// Prisma 6 wants a url in the datasource and the classic generator; neither reaches the SQL.
for (const dir of [from, to]) {
  const base = join(dir, 'base.prisma');
  writeFileSync(
    base,
    readFileSync(base, 'utf8')
      .replace(/generator client \{[\s\S]*?\}/, 'generator client {\n  provider = "prisma-client-js"\n}')
      .replace('provider = "postgresql"', 'provider = "postgresql"\n  url = "postgresql://unused@127.0.0.1/unused"'),
  );
}
writeFileSync(
  join(work, 'prisma.config.ts'),
  `import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({ experimental: { adapter: true }, engine: 'js', schema: 'to',
  adapter: async () => new PrismaPg({ connectionString: ${JSON.stringify(adminUrl)} }) } as any);
`,
);
const placeholder = process.execPath;
const diff = spawnSync(
  join(tools, 'node_modules/.bin/prisma'),
  ['migrate', 'diff', '--from-schema-datamodel', 'from', '--to-schema-datamodel', 'to', '--script'],
  {
    cwd: work,
    encoding: 'utf8',
    env: {
      ...process.env,
      NODE_PATH: join(tools, 'node_modules'),
      PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
      PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  },
);
if (diff.status !== 0) {
  console.error(diff.stderr || diff.stdout);
  process.exit(diff.status ?? 1);
}
const sql = diff.stdout.replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, '').trim();
if (!sql || sql === '-- This is an empty migration.') {
  console.log(`prisma/schema/${file}.prisma has no changes since the last migration`);
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(root, 'prisma/migrations', `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'migration.sql'), `-- ${file}: ${name}\n${sql}\n`);
mkdirSync(snapshot, { recursive: true });
cpSync(current, join(snapshot, `${file}.prisma`));
rmSync(work, { recursive: true, force: true });
console.log(`wrote prisma/migrations/${stamp}_${name}/migration.sql`);
