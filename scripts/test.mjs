// The test command of README and .ci/run: makes the system packages the
// tests use present (scripts/test-setup.mjs: installs what is missing as
// root on Debian or Ubuntu, else says what to install and fails),
// type-checks everything (src, runners, tests, benchmarks, scripts), checks
// format and lint (Biome, zero warnings), builds the CLI (e2e tests drive
// the real bin/runner.cjs), runs vitest, and ends with one plain line
// `N passed, N failed` taken from vitest's JSON results; a failed type
// check or lint counts as one failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { ensureSystemPackages } from './test-setup.mjs';

if (!ensureSystemPackages()) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const typecheck = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], {
  stdio: 'inherit',
});
const lint = spawnSync(
  process.execPath,
  ['node_modules/@biomejs/biome/bin/biome', 'check', '--error-on-warnings', '.'],
  {
    stdio: 'inherit',
  },
);
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
mkdirSync('test-results', { recursive: true });
const vitest = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=test-results/results.json',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(readFileSync('test-results/results.json', 'utf8'));
  passed = results.numPassedTests;
  failed =
    results.numFailedTests +
    (results.numRuntimeErrorTestSuites ?? 0) +
    (results.numFailedTestSuites && !results.numFailedTests ? results.numFailedTestSuites : 0);
} catch {
  failed = Math.max(1, failed);
}
if (typecheck.status !== 0) {
  console.log('tsc --noEmit found type errors (above)');
  failed += 1;
}
if (lint.status !== 0) {
  console.log('biome check found format or lint problems (above; `npm run format` fixes the format)');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && failed === 0 ? 0 : 1);
