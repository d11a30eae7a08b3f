// group: issues bundled by rule and path prefix (prefixDepth), small
// bundles folded per rule (minGroup), ids derived from what a bundle groups,
// priority from its top severity, duplicates counted once.
import { describe, expect, it } from 'vitest';
import { bundleIssues, effortMinutes, parseGroupOptions, pathPrefix } from '../../runners/sonarflow/group.js';
import type { IssueRecord, Severity } from '../../runners/sonarflow/types.js';

function issue(
  key: string,
  rule: string,
  file: string,
  severity: Severity = 'MINOR',
  effort: string | null = null,
): IssueRecord {
  return { key, rule, severity, type: 'CODE_SMELL', component: file, file, line: 1, message: key, effort, tags: [] };
}

const options = parseGroupOptions({ groupBy: 'rule,prefix', prefixDepth: 2, minGroup: 1 });

describe('bundles', () => {
  it('cuts paths to prefixDepth directories', () => {
    expect(pathPrefix('src/engine/map/run-map.ts', 2)).toBe('src/engine');
    expect(pathPrefix('src/cli.ts', 2)).toBe('src');
    expect(pathPrefix('README.md', 2)).toBe('.');
    expect(pathPrefix('src/engine/map/run-map.ts', 0)).toBe('.');
  });

  it('groups by rule and prefix, highest priority first, and counts a duplicate once', () => {
    const bundles = bundleIssues(
      [
        issue('a', 'complexity', 'src/engine/a.ts'),
        issue('b', 'complexity', 'src/engine/map/b.ts', 'CRITICAL', '1h'),
        issue('c', 'complexity', 'src/cache/c.ts', 'INFO'),
        issue('d', 'eqeqeq', 'src/engine/a.ts', 'BLOCKER', '5min'),
        issue('b', 'complexity', 'src/engine/map/b.ts', 'CRITICAL', '1h'),
      ],
      options,
    );
    expect(bundles.map((b) => [b.rule, b.prefix, b.priority, b.topSeverity, b.count, b.effortMinutes])).toEqual([
      ['eqeqeq', 'src/engine', 'P0', 'BLOCKER', 1, 5],
      ['complexity', 'src/engine', 'P1', 'CRITICAL', 2, 60],
      ['complexity', 'src/cache', 'P4', 'INFO', 1, 0],
    ]);
    expect(bundles[1]?.issues.map((i) => i.key)).toEqual(['b', 'a']);
  });

  it('derives ids from the rule and prefix, so they survive issue changes', () => {
    const before = bundleIssues([issue('a', 'complexity', 'src/engine/a.ts')], options);
    const after = bundleIssues(
      [issue('z', 'complexity', 'src/engine/z.ts', 'BLOCKER'), issue('y', 'complexity', 'src/engine/y.ts')],
      options,
    );
    expect(before[0]?.id).toMatch(/^complexity--src-engine-[0-9a-f]{8}$/);
    expect(after[0]?.id).toBe(before[0]?.id);
    const other = bundleIssues([issue('a', 'complexity', 'src/cache/a.ts')], options);
    expect(other[0]?.id).not.toBe(before[0]?.id);
  });

  it('folds bundles below minGroup into one per rule, never dropping an issue', () => {
    const folded = bundleIssues(
      [
        issue('a', 'r1', 'src/a/x.ts'),
        issue('b', 'r1', 'src/b/x.ts'),
        issue('c', 'r1', 'src/c/x.ts'),
        issue('d', 'r1', 'src/c/y.ts'),
        issue('e', 'r2', 'lib/q/x.ts'),
      ],
      parseGroupOptions({ groupBy: 'rule,prefix', prefixDepth: 2, minGroup: 2 }),
    );
    expect(folded.map((b) => [b.rule, b.prefix, b.count])).toEqual([
      ['r1', '*', 2],
      ['r1', 'src/c', 2],
      ['r2', '*', 1],
    ]);
  });

  it('reads SonarQube effort and rejects bad options by name', () => {
    expect(effortMinutes('1d2h30min')).toBe(480 + 120 + 30);
    expect(effortMinutes(null)).toBe(0);
    expect(() => parseGroupOptions({ groupBy: 'rule,colour', prefixDepth: 2, minGroup: 1 })).toThrow(
      'params.groupBy must list some of rule, prefix, file, severity, type (got "rule,colour")',
    );
    expect(() => parseGroupOptions({ groupBy: 'rule', prefixDepth: -1, minGroup: 1 })).toThrow(
      'params.prefixDepth must be an integer >= 0 (got -1)',
    );
    expect(() => parseGroupOptions({ groupBy: 'rule', prefixDepth: 2, minGroup: 0 })).toThrow(
      'params.minGroup must be an integer >= 1 (got 0)',
    );
  });
});
