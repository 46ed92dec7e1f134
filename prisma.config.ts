// Prisma CLI configuration. The datasource URL is only needed by CLI commands that talk to the
// database (migrate status on a machine with the schema engine); generate works without it.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/skolkonto' },
});
