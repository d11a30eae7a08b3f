// End to end through the CLI against the fake SonarQube: 12,345 issues (past
// the 10,000-result window) with 500s, 429s and resets arrive once each; a
// rerun within the TTL asks the server nothing; the token appears nowhere:
// not in the output, the events, the run record or anything under .runner.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, outcomes, stageEnd } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues, seededFaults } from '../fixtures/sonarflow/issues.js';
import { TOKEN, filesContaining, sonarEnv, sonarflowWorkspace } from './helpers.js';

const ISSUES = 12_345;
let fake: FakeSonar;
let ws: Workspace;

beforeAll(async () => {
  fake = await startFakeSonarQube({
    issues: generateIssues(ISSUES, { severities: { MAJOR: 9, MINOR: 1 }, types: { CODE_SMELL: 1 } }),
    projectKey: 'demo',
    token: TOKEN,
    slowPages: { 2: 300 },
    faults: seededFaults({
      rate: 0.15,
      maxPerRequest: 2,
      kinds: [{ kind: '500' }, { kind: '429', retryAfter: '0' }, { kind: 'reset' }],
    }),
  });
  ws = sonarflowWorkspace();
  fs.mkdirSync(ws.path('examples'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'examples/eslint.sarif'), ws.path('examples/eslint.sarif'));
});
afterAll(async () => {
  await fake.close();
  ws.remove();
});

const args = ['exec', 'sonarflow', '--json', '--param', 'source=sonarqube', '--param', 'backoff=5ms'];

describe('sonarflow against SonarQube', () => {
  it('fetches every issue once through faults, then reuses them within the TTL', async () => {
    const first = await ws.run(args, { env: sonarEnv(fake.url) });
    expect(first.code, first.stderr).toBe(0);
    expect(fake.faultsInjected).toBeGreaterThan(0);
    const fetch = stageEnd(first.events, 'fetch');
    expect(fetch.items?.failed).toBe(0);
    const logs = first.events.flatMap((e) => (e.event === 'stage:log' ? [e.line] : []));
    expect(logs).toContain(`${ISSUES} issues in 12 bundles`);
    expect(ws.read('tasks/sonarflow/INDEX.md')).toContain(`12 open tasks, ${ISSUES} issues.`);
    expect(fake.maxInFlight).toBeLessThanOrEqual(8);

    const requests = fake.requests;
    const second = await ws.run(args, { env: sonarEnv(fake.url) });
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes(second.events)).toMatchObject({ 'plan-pages': 'cached', fetch: 'cached' });
    expect(fake.requests).toBe(requests);

    for (const run of [first, second]) {
      expect(run.stdout).not.toContain(TOKEN);
      expect(run.stderr).not.toContain(TOKEN);
    }
    expect(filesContaining(ws.path('.runner'), TOKEN)).toEqual([]);
    expect(filesContaining(ws.path('tasks'), TOKEN)).toEqual([]);
    expect(fs.readdirSync(ws.path('.runner/runs')).length).toBeGreaterThan(0);
  });
});
