// Records each Jest project's pass/fail counts so `npm test` can print one closing line for the
// whole workspace ("N passed, N failed") after Nx has run every project.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }

  onRunComplete(_contexts, results) {
    const dir = process.env.SKOLKONTO_TEST_RESULTS_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const name = (this.globalConfig.rootDir || 'project').replace(/[^a-zA-Z0-9-]+/g, '_');
    // Suites that could not run at all; suites with failing tests are already in numFailedTests.
    const failedSuites = results.numRuntimeErrorTestSuites || 0;
    writeFileSync(
      join(dir, `${name}.json`),
      JSON.stringify({
        rootDir: this.globalConfig.rootDir,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites,
      }),
    );
  }
}

module.exports = SummaryReporter;
