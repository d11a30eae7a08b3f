// Stage `group` (task): the fetched issues bundled into remediation tasks,
// one record per bundle, highest priority first.
//   groupBy      dimensions of a bundle: rule, prefix, file, severity, type
//                (default rule,prefix)
//   prefixDepth  directories of the path kept by `prefix` (2: src/engine)
//   minGroup     bundles smaller than this are folded into one bundle per
//                rule with prefix `*`; a fold still below it is kept, since
//                an issue is never dropped
// A bundle's id is derived from what it groups (its dimension values), not
// from its issues, so a task file keeps its name while issues come and go.
import { createHash } from 'node:crypto';
import type { StageContext } from '../../src/api.js';
import { SEVERITIES } from './types.js';
import type { BundleIssue, BundleRecord, IssueRecord, Severity } from './types.js';
import { compare } from '../lib/order.js';

export async function group(ctx: StageContext): Promise<BundleRecord[]> {
  const options = parseGroupOptions({
    groupBy: ctx.params.groupBy,
    prefixDepth: ctx.params.prefixDepth,
    minGroup: ctx.params.minGroup,
  });
  const issues: IssueRecord[] = [];
  let duplicates = 0;
  const keys = new Set<string>();
  for await (const record of ctx.upstream('fetch')) {
    const issue = record as IssueRecord;
    if (keys.has(issue.key)) duplicates++;
    keys.add(issue.key);
    issues.push(issue);
  }
  const bundles = bundleIssues(issues, options);
  ctx.log(
    `${keys.size} issues in ${bundles.length} bundles${duplicates > 0 ? ` (${duplicates} duplicates from overlapping pages dropped)` : ''}`,
  );
  return bundles;
}

export const DIMENSIONS = ['rule', 'prefix', 'file', 'severity', 'type'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface GroupOptions {
  groupBy: Dimension[];
  prefixDepth: number;
  minGroup: number;
}

export function parseGroupOptions(params: { groupBy: unknown; prefixDepth: unknown; minGroup: unknown }): GroupOptions {
  const list = Array.isArray(params.groupBy) ? params.groupBy.map(String) : String(params.groupBy).split(',');
  const groupBy = list.map((d) => d.trim()).filter((d) => d !== '');
  const unknown = groupBy.filter((d) => !(DIMENSIONS as readonly string[]).includes(d));
  if (groupBy.length === 0 || unknown.length > 0) {
    throw new Error(
      `params.groupBy must list some of ${DIMENSIONS.join(', ')} (got ${JSON.stringify(params.groupBy)})`,
    );
  }
  const prefixDepth = Number(params.prefixDepth);
  const minGroup = Number(params.minGroup);
  if (!Number.isInteger(prefixDepth) || prefixDepth < 0)
    throw new Error(`params.prefixDepth must be an integer >= 0 (got ${JSON.stringify(params.prefixDepth)})`);
  if (!Number.isInteger(minGroup) || minGroup < 1)
    throw new Error(`params.minGroup must be an integer >= 1 (got ${JSON.stringify(params.minGroup)})`);
  return { groupBy: groupBy as Dimension[], prefixDepth, minGroup };
}

/** The first `depth` directories of a file's path (`src/engine/map/x.ts`, 2 -> `src/engine`); `.` at the root. */
export function pathPrefix(file: string, depth: number): string {
  const dirs = file
    .split('/')
    .slice(0, -1)
    .filter((p) => p !== '' && p !== '.');
  return dirs.slice(0, depth).join('/') || '.';
}

export const PRIORITY: Record<Severity, string> = {
  BLOCKER: 'P0',
  CRITICAL: 'P1',
  MAJOR: 'P2',
  MINOR: 'P3',
  INFO: 'P4',
};

export function bundleIssues(records: Iterable<IssueRecord>, options: GroupOptions): BundleRecord[] {
  const groups = new Map<string, { values: Record<Dimension, string>; issues: IssueRecord[] }>();
  const seen = new Set<string>();
  const add = (values: Record<Dimension, string>, issue: IssueRecord): void => {
    const id = groupKey(values, options.groupBy);
    const group = groups.get(id) ?? { values, issues: [] };
    group.issues.push(issue);
    groups.set(id, group);
  };
  for (const issue of records) {
    // Pages fetched while the project changes can overlap: an issue counts once.
    if (seen.has(issue.key)) continue;
    seen.add(issue.key);
    add(valuesOf(issue, options.prefixDepth), issue);
  }
  if (options.minGroup > 1) {
    for (const [id, group] of [...groups]) {
      if (group.issues.length >= options.minGroup) continue;
      groups.delete(id);
      const folded = Object.fromEntries(DIMENSIONS.map((d) => [d, d === 'rule' ? group.values.rule : '*'])) as Record<
        Dimension,
        string
      >;
      for (const issue of group.issues) add(folded, issue);
    }
  }
  return [...groups.values()].map((g) => toBundle(g.values, g.issues, options.groupBy)).sort(byPriority);
}

function valuesOf(issue: IssueRecord, prefixDepth: number): Record<Dimension, string> {
  return {
    rule: issue.rule,
    prefix: pathPrefix(issue.file, prefixDepth),
    file: issue.file,
    severity: issue.severity,
    type: issue.type,
  };
}

function groupKey(values: Record<Dimension, string>, groupBy: readonly Dimension[]): string {
  return groupBy.map((d) => `${d}=${values[d]}`).join('\n');
}

function toBundle(
  values: Record<Dimension, string>,
  issues: IssueRecord[],
  groupBy: readonly Dimension[],
): BundleRecord {
  const sorted = [...issues].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      compare(a.file, b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      compare(a.key, b.key),
  );
  const topSeverity = sorted[0]?.severity ?? 'INFO';
  const rule = groupBy.includes('rule') ? values.rule : '*';
  const prefix = groupBy.includes('file') ? values.file : groupBy.includes('prefix') ? values.prefix : '*';
  const key = groupKey(values, groupBy);
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 8);
  const readable = groupBy.map((d) => slug(values[d])).join('--');
  return {
    id: `${readable.slice(0, 60).replace(/-+$/, '')}-${digest}`,
    rule,
    prefix,
    priority: PRIORITY[topSeverity],
    topSeverity,
    types: [...new Set(sorted.map((i) => i.type))].sort(),
    tags: [...new Set(sorted.flatMap((i) => i.tags))].sort(),
    count: sorted.length,
    effortMinutes: sorted.reduce((n, i) => n + effortMinutes(i.effort), 0),
    issues: sorted.map(
      (i): BundleIssue => ({
        key: i.key,
        file: i.file,
        line: i.line,
        message: i.message,
        severity: i.severity,
        effort: i.effort,
      }),
    ),
  };
}

/** SonarQube effort (`2h30min`, `1d` = 8h, `45min`) in minutes; 0 when unknown. */
export function effortMinutes(effort: string | null): number {
  if (!effort) return 0;
  let minutes = 0;
  for (const [, n, unit] of effort.matchAll(/(\d+)\s*(d|h|min)/g))
    minutes += Number(n) * (unit === 'd' ? 480 : unit === 'h' ? 60 : 1);
  return minutes;
}

export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? (m > 0 ? `${h}h ${m}min` : `${h}h`) : `${m}min`;
}

function byPriority(a: BundleRecord, b: BundleRecord): number {
  return compare(a.priority, b.priority) || b.count - a.count || compare(a.id, b.id);
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'root' : s;
}
