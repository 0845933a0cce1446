import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm test` always ends with "N passed, N failed[, N skipped]" and exits non-zero when anything
 * failed: tools/test-summary.mjs writes that line from Jest's results and the checks that failed
 * before Jest, including when Jest crashed or never ran.
 */
const script = path.resolve(__dirname, '../test-summary.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'test-summary-'));

function summary(results: unknown, failedChecks: number, jestRan: boolean, jestStatus: number) {
  const file = path.join(dir, `results-${Math.random().toString(36).slice(2)}.json`);
  if (results !== undefined) writeFileSync(file, typeof results === 'string' ? results : JSON.stringify(results));
  const run = spawnSync(
    process.execPath,
    [script, file, String(failedChecks), jestRan ? '1' : '0', String(jestStatus)],
    { encoding: 'utf8' },
  );
  return { lines: run.stdout.trim().split('\n'), status: run.status };
}

const jestResults = (passed: number, failed: number, extra: Record<string, number> = {}) => ({
  numPassedTests: passed,
  numFailedTests: failed,
  numRuntimeErrorTestSuites: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numTotalTests: passed + failed,
  ...extra,
});

describe('the closing line of npm test', () => {
  it('counts passed, failed and skipped tests and exits 0 only when nothing failed', () => {
    expect(summary(jestResults(10, 0, { numPendingTests: 2, numTotalTests: 12 }), 0, true, 0)).toEqual({
      lines: ['10 passed, 0 failed, 2 skipped'],
      status: 0,
    });
    expect(summary(jestResults(9, 1), 0, true, 1)).toEqual({ lines: ['9 passed, 1 failed'], status: 1 });
  });

  it('counts suites that failed to run and checks that failed before Jest', () => {
    const results = { ...jestResults(8, 0), numRuntimeErrorTestSuites: 2 };
    expect(summary(results, 1, true, 1)).toEqual({ lines: ['8 passed, 3 failed'], status: 1 });
  });

  it('says so in one line when Jest left no results or unreadable ones', () => {
    const missing = summary(undefined, 0, true, 1);
    expect(missing.status).toBe(1);
    expect(missing.lines).toEqual([
      '[test] Jest exited with 1 and left no results file: it crashed or was killed',
      '0 passed, 1 failed',
    ]);
    const broken = summary('{"numPassed', 0, true, 134);
    expect(broken.status).toBe(1);
    expect(broken.lines[0]).toMatch(/^\[test\] Jest exited with 134 and left an unreadable results file/);
    expect(broken.lines[1]).toBe('0 passed, 1 failed');
  });

  it('fails a run in which Jest ran no test, or failed although every test passed', () => {
    expect(summary(jestResults(0, 0), 0, true, 0)).toEqual({
      lines: ['[test] Jest ran no tests', '0 passed, 1 failed'],
      status: 1,
    });
    expect(summary(jestResults(5, 0), 0, true, 1)).toEqual({
      lines: ['[test] every test passed but Jest exited with 1', '5 passed, 1 failed'],
      status: 1,
    });
  });

  it('ends with the line when a step before Jest stopped the run', () => {
    expect(summary(undefined, 1, false, 0)).toEqual({ lines: ['0 passed, 1 failed'], status: 1 });
    expect(summary(undefined, 0, false, 0)).toEqual({
      lines: ['[test] Jest did not run', '0 passed, 1 failed'],
      status: 1,
    });
  });
});
