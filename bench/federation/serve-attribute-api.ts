/* eslint-disable no-restricted-imports -- a benchmark drives the app's own modules in-process; it is not an app. */
/**
 * The attribute API alone in its own process for the benchmark, so the load generators do not share
 * its event loop. Started by federation.bench.ts with BENCH_DATABASE_URL, BENCH_TLS_DIR; reports its
 * port over IPC and, when asked, its CPU time (CPU per request is what the API costs, whatever else
 * the machine is doing) and its GC pauses since the last ask.
 *
 * BENCH_SERVER=current (default) serves this tree's API (in-memory read model, lean GET route).
 * BENCH_SERVER=baseline serves the API as it was at BENCH_BASELINE_DIR (a `git archive` of an older
 * commit whose AttributeApiModule.register took a pg pool and queried per request), for a before/after
 * in one run.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { AttributeApiModule } from '../../apps/federation-publisher/src/query-attributes/attribute-api.module';
import { AttributeReadModel } from '../../apps/federation-publisher/src/query-attributes/attribute-read-model';
import { testSettings } from '../../apps/federation-publisher/test/fixtures';

async function serve(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 8 });
  const dir = process.env.BENCH_TLS_DIR!;
  const settings = testSettings();
  const httpsOptions = { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  let people: AttributeReadModel | undefined;
  let module;
  if (process.env.BENCH_SERVER === 'baseline') {
    const old = join(process.env.BENCH_BASELINE_DIR!, 'apps/federation-publisher/src/query-attributes/attribute-api.module');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AttributeApiModule: Baseline } = require(old) as { AttributeApiModule: { register(options: object): object } };
    module = Baseline.register({ pool, settings });
  } else {
    people = new AttributeReadModel(pool);
    await people.start();
    module = AttributeApiModule.register({ people, settings });
  }
  const app = await NestFactory.create(module as never, { logger: false, httpsOptions });
  await app.listen(0, '127.0.0.1');
  process.send?.({ port: (app.getHttpServer().address() as { port: number }).port });
  // GC pauses since the last ask: a long one would show up as tail latency.
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message: { cpu?: boolean }) => {
    if (!message.cpu) return;
    process.send?.({ cpu: process.cpuUsage(), memory: process.memoryUsage().rss, gc: { count: gc.count, totalMs: +gc.totalMs.toFixed(1), maxMs: +gc.maxMs.toFixed(2) } });
    gc = { count: 0, totalMs: 0, maxMs: 0 };
  });
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => people?.stop())
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

serve().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
