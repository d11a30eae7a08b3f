// One analysis creates its issues in the same second, so date windows
// cannot split them: the planner falls back to the rules facet, and fails
// with a clear message when even that cannot get under the limit.
import { afterEach, describe, expect, it } from 'vitest';
import { SonarClient } from '../../runners/sonarflow/sonar-client.js';
import { planWindows } from '../../runners/sonarflow/plan-pages.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';
import { FAST_HTTP, fakeContext, planAndFetch } from './helpers.js';

let fake: FakeSonar | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const base = { componentKeys: 'demo', statuses: 'OPEN,REOPENED,CONFIRMED' };
const oneAnalysis = { severities: { MAJOR: 1 }, types: { CODE_SMELL: 1 }, spreadSeconds: 0 };

describe('issues created in the same second', () => {
  it('are split by rules and all fetched once', async () => {
    const issues = generateIssues(10_600, { ...oneAnalysis, rules: 7 });
    fake = await startFakeSonarQube({ issues, projectKey: 'demo' });
    const windows = await planWindows(new SonarClient({ hostUrl: fake.url, token: '' }), base);
    expect(windows.length).toBeGreaterThan(1);
    for (const window of windows) {
      expect(window.total).toBeLessThanOrEqual(10_000);
      expect(window.query.rules).toBeDefined();
    }
    const ctx = fakeContext({
      params: { source: 'sonarqube', ...FAST_HTTP },
      env: { SONAR_HOST_URL: fake.url, SONAR_PROJECT_KEY: 'demo' },
    });
    const { issues: fetched } = await planAndFetch(ctx);
    expect(new Set(fetched.map((i) => i.key))).toEqual(new Set(issues.map((i) => i.key)));
    expect(fetched).toHaveLength(issues.length);
  });

  it('fail with the window that cannot be split when one rule alone exceeds the limit', async () => {
    fake = await startFakeSonarQube({
      issues: generateIssues(10_001, { ...oneAnalysis, rules: 1 }),
      projectKey: 'demo',
    });
    await expect(planWindows(new SonarClient({ hostUrl: fake.url, token: '' }), base)).rejects.toThrow(
      "10001 issues in severities=MAJOR&types=CODE_SMELL cannot be split below SonarQube's 10000-result limit (one rule, one severity, one type, one second)",
    );
  });
});
