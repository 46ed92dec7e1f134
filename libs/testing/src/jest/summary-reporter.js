// Records each Jest project's pass/fail counts so `npm test` can print one closing line for the
// whole workspace ("N passed, N failed") after Nx has run every project.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

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
    // The closing summary names each failure: a long CI log is often kept only by its tail.
    const failures = [];
    for (const suite of results.testResults) {
      const file = relative(this.globalConfig.rootDir || '.', suite.testFilePath);
      if (suite.testExecError) failures.push({ file, test: '(suite failed to run)', message: headOf(suite.testExecError.message) });
      for (const test of suite.testResults) {
        if (test.status === 'failed') failures.push({ file, test: test.fullName, message: headOf(test.failureMessages[0]) });
      }
    }
    writeFileSync(
      join(dir, `${name}.json`),
      JSON.stringify({
        rootDir: this.globalConfig.rootDir,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites,
        failures,
      }),
    );
  }
}

/** The first three meaningful lines of a failure, without colour codes, on one line. */
function headOf(message) {
  // eslint-disable-next-line no-control-regex -- colour codes start with ESC
  const plain = String(message ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const head = plain.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).slice(0, 3).join(' ⏎ ');
  return head.length > 300 ? `${head.slice(0, 300)}…` : head;
}

module.exports = SummaryReporter;
module.exports.headOf = headOf;
