#!/usr/bin/env node
// Prints the suite's totals as the last line, `N passed, N failed`, counting vitest's tests plus the
// static checks (lint, typecheck, contract) the test command ran; exits non-zero on any failure.
import { existsSync, readFileSync } from 'node:fs';

const [file = 'test-results/vitest.json', checksPassed = '0', checksFailed = '0'] = process.argv.slice(2);
let passed = Number(checksPassed);
let failed = Number(checksFailed);
let skipped = 0;
if (existsSync(file)) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numTotalTestSuites: number;
    testResults: Array<{ status: string; message?: string; name: string; assertionResults: unknown[] }>;
  };
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A file that failed to load (syntax error, failing hook) has no test results but must count.
  for (const suite of r.testResults) {
    if (suite.status === 'failed' && suite.assertionResults.length === 0) failed += 1;
  }
} else {
  console.error(`no test results at ${file}: vitest did not run`);
  failed += 1;
}
if (passed + failed === 0) failed = 1;
console.log(skipped ? `${passed} passed, ${failed} failed, ${skipped} skipped` : `${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
