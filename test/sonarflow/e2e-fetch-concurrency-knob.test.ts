// The fetch stage's `concurrency` in pipelines.yaml is how many pages are in
// flight at the server: 1 fetches one page at a time, 8 eight at a time
// (the server answers no page until eight are in flight: with fewer, the
// run would wait for ever, and the test time out).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, stageEnd } from '../e2e/rig.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { TOKEN, sonarEnv, sonarflowWorkspace } from './helpers.js';

// 12 pages, each answered after 250 ms: one at a time, requests that were let
// overlap would.
const issues = generateIssues(6_000);
const fakes: FakeSonar[] = [];

afterAll(async () => {
  for (const fake of fakes) await fake.close();
});

async function fetchWith(concurrency: number, holdPagesUntilInFlight?: number): Promise<number> {
  const fake = await startFakeSonarQube({
    issues,
    projectKey: 'demo',
    token: TOKEN,
    latencyMs: 250,
    holdPagesUntilInFlight,
  });
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
    expect(stageEnd(result.events, 'fetch').outcome).toBe('ran');
    return fake.maxInFlight;
  } finally {
    ws.remove();
  }
}

describe('fetch concurrency', () => {
  it('follows the YAML knob', async () => {
    expect(await fetchWith(1)).toBe(1);
    expect(await fetchWith(8, 8)).toBe(8);
  });
});
