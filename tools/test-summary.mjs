#!/usr/bin/env node
// Prints the closing line of `npm test`, "N passed, N failed[, N skipped]", from Jest's JSON
// results plus the checks that failed before Jest (build, type-check, lint), and exits 1 when
// anything failed or Jest produced no usable results (each such case says so in one line first).
//
//   node tools/test-summary.mjs <results.json> <failed checks> <jest ran: 0|1> <jest exit status>
import { readFileSync } from 'node:fs';

const [resultsFile, failedChecksArg = '0', jestRanArg = '0', jestStatusArg = '0'] = process.argv.slice(2);
const failedChecks = Number(failedChecksArg) || 0;
const jestRan = jestRanArg === '1';
const jestStatus = Number(jestStatusArg) || 0;

function readResults() {
  try {
    return JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch (error) {
    return { error: error.code === 'ENOENT' ? 'no results file' : `an unreadable results file (${error.message})` };
  }
}

let passed = 0;
let failed = failedChecks;
let skipped = 0;
if (jestRan) {
  const results = readResults();
  if (results.error) {
    console.log(`[test] Jest exited with ${jestStatus} and left ${results.error}: it crashed or was killed`);
    failed += 1;
  } else {
    passed = results.numPassedTests;
    failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
    skipped = results.numPendingTests + results.numTodoTests;
    if (results.numTotalTests === 0 && results.numRuntimeErrorTestSuites === 0) {
      console.log('[test] Jest ran no tests');
      failed += 1;
    } else if (jestStatus !== 0 && results.numFailedTests + results.numRuntimeErrorTestSuites === 0) {
      // e.g. an open handle or a failing global setup: every test passed, Jest still failed.
      console.log(`[test] every test passed but Jest exited with ${jestStatus}`);
      failed += 1;
    }
  }
} else if (failedChecks === 0) {
  console.log('[test] Jest did not run');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 ? 1 : 0);
