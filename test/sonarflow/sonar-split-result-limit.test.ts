// SonarQube refuses p * ps > 10,000. The planner cuts a larger project into
// windows (severities, types, creation-date halves) of at most 10,000 each,
// whose counts add up to the project's, and the client recognises the
// refusal when a page past the window is asked for anyway.
import { afterEach, describe, expect, it } from 'vitest';
import { ResultWindowError, SonarClient } from '../../runners/sonarflow/sonar-client.js';
import { pagesOf, planWindows, toSeconds } from '../../runners/sonarflow/plan-pages.js';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../fixtures/sonarflow/issues.js';

let fake: FakeSonar | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const base = { componentKeys: 'demo', statuses: 'OPEN,REOPENED,CONFIRMED' };

describe('the 10,000-result limit', () => {
  it('answers a page past the limit the way SonarQube does, and the client names it', async () => {
    fake = await startFakeSonarQube({ issues: generateIssues(10), projectKey: 'demo' });
    const client = new SonarClient({ hostUrl: fake.url, token: '' });
    const error = await client.search(base, 21, 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultWindowError);
    expect((error as Error).message).toBe(
      'SonarQube refused a page past its result limit: Can return only the first 10000 results. 10500th result asked.',
    );
    // p=20, ps=500 is the last page it allows.
    await expect(client.search(base, 20, 500)).resolves.toMatchObject({
      paging: { pageIndex: 20, pageSize: 500, total: 10 },
    });
  });

  it('needs no split at 10,000 issues', async () => {
    fake = await startFakeSonarQube({ issues: generateIssues(10_000), projectKey: 'demo' });
    const windows = await planWindows(new SonarClient({ hostUrl: fake.url, token: '' }), base);
    expect(windows).toEqual([{ id: 'all', query: base, total: 10_000 }]);
    expect(pagesOf(windows, 500).map((p) => p.p)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('splits by severity when that is enough', async () => {
    fake = await startFakeSonarQube({ issues: generateIssues(10_001), projectKey: 'demo' });
    const windows = await planWindows(new SonarClient({ hostUrl: fake.url, token: '' }), base);
    expect(windows.map((w) => w.id)).toEqual([
      'severities=BLOCKER',
      'severities=CRITICAL',
      'severities=MAJOR',
      'severities=MINOR',
      'severities=INFO',
    ]);
    expect(windows.reduce((n, w) => n + w.total, 0)).toBe(10_001);
  });

  it('bisects creation dates when one severity and type still exceed the limit', async () => {
    fake = await startFakeSonarQube({
      issues: generateIssues(25_000, { severities: { MAJOR: 1 }, types: { CODE_SMELL: 1 } }),
      projectKey: 'demo',
    });
    const logs: string[] = [];
    const windows = await planWindows(new SonarClient({ hostUrl: fake.url, token: '' }), base, {
      log: (l) => logs.push(l),
    });
    expect(windows.reduce((n, w) => n + w.total, 0)).toBe(25_000);
    for (const window of windows) {
      expect(window.total).toBeLessThanOrEqual(10_000);
      expect(window.query).toMatchObject({ severities: 'MAJOR', types: 'CODE_SMELL' });
    }
    // The windows tile time without overlap: each starts where the previous one ended.
    const ranges = windows.map(
      (w) => [toSeconds(w.query.createdAfter ?? ''), toSeconds(w.query.createdBefore ?? '')] as const,
    );
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe(ranges[i - 1]?.[1]);
    expect(logs).toContain('all: 25000 issues > 10000, split by severities into 1');
    expect(
      logs.some((l) =>
        /^severities=MAJOR&types=CODE_SMELL: 25000 issues > 10000, split by creation date into 2$/.test(l),
      ),
    ).toBe(true);
  });
});
