/* Applies pending migrations: `node libs/persistence/dist/migrate-cli.js` (DATABASE_URL from env). */
import { migrate, MigrationError } from './migrations/migration-runner';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set: it names the PostgreSQL database to migrate');
    process.exit(2);
  }
  const result = await migrate(url, { log: (line) => console.log(line) });
  console.log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
}

main().catch((error: unknown) => {
  console.error(error instanceof MigrationError ? `migration error (${error.code}): ${error.message}` : error);
  process.exit(1);
});
