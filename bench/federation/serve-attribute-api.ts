/* eslint-disable no-restricted-imports -- a benchmark drives the app's own modules in-process; it is not an app. */
/**
 * The attribute API alone in its own process for the benchmark, so the load generator does not share
 * its event loop. Started by federation.bench.ts with BENCH_DATABASE_URL, BENCH_TLS_DIR; reports its
 * port over IPC.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { AttributeApiModule } from '../../apps/federation-publisher/src/query-attributes/attribute-api.module';
import { testSettings } from '../../apps/federation-publisher/test/fixtures';

async function serve(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 8 });
  const dir = process.env.BENCH_TLS_DIR!;
  const app = await NestFactory.create(AttributeApiModule.register({ pool, settings: testSettings() }), {
    logger: false,
    httpsOptions: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
  });
  await app.listen(0, '127.0.0.1');
  process.send?.({ port: (app.getHttpServer().address() as { port: number }).port });
  // The bench asks for this process's CPU time around each run: CPU per request is what the
  // API costs, whatever else the machine is doing.
  process.on('message', (message: { cpu?: boolean }) => {
    if (message.cpu) process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('SIGTERM', () => {
    void app.close().then(() => pool.end()).then(() => process.exit(0));
  });
}

serve().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
