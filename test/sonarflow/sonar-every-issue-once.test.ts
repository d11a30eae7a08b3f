// 12,345 open issues (more than SonarQube's 10,000-result window) arrive
// exactly once through plan-pages and fetch, while the server injects 500s,
// 429s with Retry-After, reset connections and slow pages; closed issues
// never arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSonarQube } from '../fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues, seededFaults } from '../fixtures/sonarflow/issues.js';
import { FAST_HTTP, fakeContext, planAndFetch, sonarEnv } from './helpers.js';

const OPEN = 12_345;
// MAJOR code smells alone exceed 10,000, so the split goes severities -> types -> creation date.
const open = generateIssues(OPEN, { severities: { MAJOR: 9, MINOR: 1 }, types: { CODE_SMELL: 1 } });
const closed = generateIssues(400, { seed: 99, closedShare: 1 }).map((issue, i) => ({ ...issue, key: `CLOSED${i}` }));
let fake: FakeSonar;
let fetched: Awaited<ReturnType<typeof planAndFetch>>;
let logs: string[];

beforeAll(async () => {
  fake = await startFakeSonarQube({
    issues: [...open, ...closed],
    projectKey: 'demo',
    token: 'squ_abc123abc123',
    latencyMs: 2,
    slowPages: { 3: 400, 7: 250 },
    faults: seededFaults({
      rate: 0.2,
      maxPerRequest: 2,
      kinds: [{ kind: '500' }, { kind: '429', retryAfter: '0' }, { kind: 'reset' }],
    }),
  });
  const ctx = fakeContext({
    params: { source: 'sonarqube', ...FAST_HTTP },
    env: sonarEnv(fake.url, 'squ_abc123abc123'),
  });
  fetched = await planAndFetch(ctx, 8);
  logs = ctx.logs;
});
afterAll(() => fake.close());

describe('fetching a project past the 10,000-result limit', () => {
  it('delivers every open issue exactly once and survives the faults', () => {
    const { pages, issues } = fetched;

    const keys = issues.map((i) => i.key);
    expect(keys).toHaveLength(OPEN);
    expect(new Set(keys).size).toBe(OPEN);
    expect(new Set(keys)).toEqual(new Set(open.map((i) => i.key)));
    expect(fake.faultsInjected).toBeGreaterThan(5);

    // Every page stays inside the window SonarQube allows.
    for (const page of pages) expect(Number(page.p) * Number(page.ps)).toBeLessThanOrEqual(10_000);
    expect(logs.some((line) => line.includes('split by severities'))).toBe(true);
    expect(logs.some((line) => line.includes('split by creation date'))).toBe(true);
    expect(logs.some((line) => line.startsWith('retrying in'))).toBe(true);
    expect(logs.find((l) => l.startsWith('demo:'))).toMatch(
      /^demo: 12345 open issues in \d+ window\(s\), \d+ page\(s\) of 500$/,
    );
  });

  it('maps SonarQube issues to records', () => {
    const { issues } = fetched;
    const first = open[0];
    const record = issues.find((i) => i.key === first?.key);
    expect(record).toEqual({
      key: first?.key,
      rule: first?.rule,
      severity: first?.severity,
      type: 'CODE_SMELL',
      component: first?.component,
      file: first?.component.slice('demo:'.length),
      line: first?.line,
      message: first?.message,
      effort: first?.effort,
      tags: first?.tags,
    });
  });
});
