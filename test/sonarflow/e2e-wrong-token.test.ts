// End to end: a wrong SONAR_TOKEN fails plan-pages with a message that says
// what to do, blocks the stages after it, and leaves the token out of the
// output, the events, the run record and the cache.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, outcomes, stageEnd } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { TOKEN, filesContaining, sonarEnv, sonarflowWorkspace } from './helpers.js';

const WRONG = 'squ_9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c';
let fake: FakeSonar;
let ws: Workspace;

beforeAll(async () => {
  fake = await startFakeSonarQube({ issues: generateIssues(50), projectKey: 'demo', token: TOKEN });
  ws = sonarflowWorkspace();
  fs.mkdirSync(ws.path('examples'));
  fs.copyFileSync(path.join(REPO, 'examples/eslint.sarif'), ws.path('examples/eslint.sarif'));
});
afterAll(async () => {
  await fake.close();
  ws.remove();
});

describe('a wrong token', () => {
  it('fails clearly without printing or storing the token', async () => {
    const result = await ws.run(['exec', 'sonarflow', '--json', '--param', 'source=sonarqube'], {
      env: sonarEnv(fake.url, WRONG),
    });
    expect(result.code).toBe(1);
    const end = stageEnd(result.events, 'plan-pages');
    expect(end.outcome).toBe('failed');
    expect(end.reason).toContain(
      `SonarQube at ${fake.url}/ rejected SONAR_TOKEN (HTTP 401): the token is wrong, expired or revoked; generate a new user token`,
    );
    expect(outcomes(result.events)).toMatchObject({
      fetch: 'blocked',
      group: 'blocked',
      plan: 'blocked',
      write: 'blocked',
    });
    expect(fake.authFailures).toBe(1);

    const base64 = Buffer.from(`${WRONG}:`).toString('base64');
    for (const secret of [WRONG, base64]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
      expect(filesContaining(ws.path('.runner'), secret)).toEqual([]);
    }
    const runs = fs.readdirSync(ws.path('.runner/runs'));
    expect(runs.length).toBe(1);
    expect(fs.readFileSync(ws.path('.runner/runs', runs[0] ?? ''), 'utf8')).toContain('rejected SONAR_TOKEN');
  });
});
