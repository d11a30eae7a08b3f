// The fetch stage's `concurrency` in pipelines.yaml is how many pages are in
// flight at the server: 1 fetches one page at a time, 8 eight at a time.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, stageEnd } from '../e2e/rig.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { TOKEN, sonarEnv, sonarflowWorkspace } from './helpers.js';

// 12 pages, each answered after 250 ms: long enough that a busy machine still has
// every allowed request in flight at once.
const issues = generateIssues(6_000);
const fakes: FakeSonar[] = [];

afterAll(async () => {
  for (const fake of fakes) await fake.close();
});

async function fetchWith(concurrency: number): Promise<{ maxInFlight: number; fetchMs: number }> {
  const fake = await startFakeSonarQube({ issues, projectKey: 'demo', token: TOKEN, latencyMs: 250 });
  fakes.push(fake);
  const ws = sonarflowWorkspace({ stages: { fetch: { concurrency } } });
  try {
    fs.mkdirSync(ws.path('examples'));
    fs.copyFileSync(path.join(REPO, 'examples/eslint.sarif'), ws.path('examples/eslint.sarif'));
    const result = await ws.run(['exec', 'sonarflow', '--json', '--to', 'fetch', '--param', 'source=sonarqube'], {
      env: sonarEnv(fake.url),
    });
    expect(result.code, result.stderr).toBe(0);
    // plan-pages counts with ps=1 (one request); the 12 page requests are what concurrency governs.
    expect(fake.pageRequests).toBe(12);
    return { maxInFlight: fake.maxInFlight, fetchMs: stageEnd(result.events, 'fetch').durationMs };
  } finally {
    ws.remove();
  }
}

describe('fetch concurrency', () => {
  it('follows the YAML knob', async () => {
    const serial = await fetchWith(1);
    const parallel = await fetchWith(8);
    expect(serial.maxInFlight).toBe(1);
    expect(parallel.maxInFlight).toBe(8);
    // Timing is the benchmark's job (bench/sonarflow); here only that it is not slower.
    expect(parallel.fetchMs).toBeLessThan(serial.fetchMs);
  });
});
