import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SummaryReporter = require('../src/jest/summary-reporter.js');

const run = promisify(execFile);
const summaryScript = join(__dirname, '../../../scripts/test-summary.mjs');

/** A Jest aggregated result as the reporter receives it, with one failing test in one file. */
function results(rootDir: string) {
  return {
    numPassedTests: 3,
    numFailedTests: 1,
    numPendingTests: 0,
    numTodoTests: 0,
    numRuntimeErrorTestSuites: 0,
    testResults: [
      {
        testFilePath: join(rootDir, 'src/names/normalize-name.spec.ts'),
        testResults: [
          { status: 'passed', fullName: 'normalizeName is idempotent', failureMessages: [] },
          {
            status: 'failed',
            fullName: 'normalizeName changes only capitalisation',
            failureMessages: ['\n\u001b[31mError: Property failed after 2043 tests\u001b[39m\n\n    Counterexample: ["W"]\n    Shrunk 3 time(s)\n    more'],
          },
        ],
      },
    ],
  };
}

describe('test summary', () => {
  let dir: string;
  const saved = process.env.SKOLKONTO_TEST_RESULTS_DIR;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skolkonto-summary-'));
    process.env.SKOLKONTO_TEST_RESULTS_DIR = dir;
  });
  afterEach(() => {
    process.env.SKOLKONTO_TEST_RESULTS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('names each failing test with the head of its message, so the tail of a CI log says what failed', async () => {
    const rootDir = '/repo/libs/domain';
    new SummaryReporter({ rootDir }).onRunComplete([], results(rootDir));
    const written = JSON.parse(readFileSync(join(dir, '_repo_libs_domain.json'), 'utf8'));
    expect(written.failures).toEqual([
      {
        file: 'src/names/normalize-name.spec.ts',
        test: 'normalizeName changes only capitalisation',
        message: 'Error: Property failed after 2043 tests ⏎ Counterexample: ["W"] ⏎ Shrunk 3 time(s)',
      },
    ]);

    const summary = await run(process.execPath, [summaryScript, dir]).then(
      () => { throw new Error('a run with a failure must exit non-zero'); },
      (error: { code: number; stdout: string }) => error,
    );
    expect(summary.code).toBe(1);
    expect(summary.stdout).toContain('✕ src/names/normalize-name.spec.ts › normalizeName changes only capitalisation');
    expect(summary.stdout).toContain('Counterexample: ["W"]');
    expect(summary.stdout).toContain('3 passed, 1 failed');
  });

  it('exits zero and lists nothing when every test passed', async () => {
    const rootDir = '/repo/libs/domain';
    const passing = results(rootDir);
    passing.numFailedTests = 0;
    passing.testResults[0]!.testResults.pop();
    new SummaryReporter({ rootDir }).onRunComplete([], passing);
    const { stdout } = await run(process.execPath, [summaryScript, dir]);
    expect(stdout).not.toContain('✕');
    expect(stdout).toContain('3 passed, 0 failed');
  });
});
