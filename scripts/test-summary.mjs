#!/usr/bin/env node
// Adds up the per-project Jest results written by libs/testing's summary reporter.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
let failedSuites = 0;
for (const file of files) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += result.passed;
  failed += result.failed;
  skipped += result.skipped;
  failedSuites += result.failedSuites;
  if (result.failed || result.failedSuites) console.log(`  failing: ${result.rootDir} (${result.failed} tests, ${result.failedSuites} suites)`);
  for (const failure of result.failures ?? []) console.log(`    ✕ ${failure.file} › ${failure.test}\n      ${failure.message}`);
}
console.log(`projects with results: ${files.length}${failedSuites ? `, suites that failed to run: ${failedSuites}` : ''}`);
console.log(`${passed} passed, ${failed + failedSuites} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(files.length === 0 || failed + failedSuites > 0 ? 1 : 0);
