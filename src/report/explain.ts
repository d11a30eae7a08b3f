// "Why does this stage run?" in full: the exact difference between the key a
// stage was last cached under and its key now, grouped by kind (inputs,
// params, env, code, upstream, definition). Secret env values are never
// shown, only that they changed. Used by `runner status --explain`,
// `runner explain` and the HTML report.
import type { Change, Why } from '../cache/why.js';
import { formatDuration } from '../config/duration.js';
import type { StageStatus } from '../engine/status.js';
import { unreachable } from '../util/unreachable.js';
import { statusLine, statusWidth, wouldRunCount } from './status.js';

type Group = 'inputs' | 'params' | 'env' | 'code' | 'upstream' | 'definition' | 'cache';
const GROUPS: readonly Group[] = ['inputs', 'params', 'env', 'code', 'upstream', 'definition', 'cache'];

/**
 * The changes as lines under a heading per kind, e.g. `inputs:` then
 * `  added    in/c.txt`; `moreInputs`: changed inputs left out of `changes`
 * (a stage:end event lists the first hundred), counted under the inputs.
 */
export function changeLines(changes: readonly Change[], moreInputs?: number): string[] {
  const grouped = new Map<Group, string[]>();
  for (const change of changes) {
    const [group, line] = describeChange(change);
    const lines = grouped.get(group);
    if (lines) lines.push(line);
    else grouped.set(group, [line]);
  }
  if (moreInputs !== undefined) grouped.get('inputs')?.push(`... and ${moreInputs} more`);
  return GROUPS.flatMap((group) => {
    const lines = grouped.get(group);
    return lines ? [`${group}:`, ...lines.map((l) => `  ${l}`)] : [];
  });
}

export function describeChange(change: Change): [Group, string] {
  switch (change.kind) {
    case 'input':
      return ['inputs', `${change.change.padEnd(8)} ${change.file}`];
    case 'code':
      return ['code', `${change.change.padEnd(8)} ${change.file}`];
    case 'param':
      return ['params', `${change.name}: ${value(change.old)} -> ${value(change.new)}`];
    case 'env':
      return [
        'env',
        change.isSecret
          ? `${change.name}: (secret changed)`
          : `${change.name}: ${value(change.old)} -> ${value(change.new)}`,
      ];
    case 'upstream':
      return ['upstream', `${change.stage}: its output changed`];
    case 'definition':
      return ['definition', `${change.field}: ${value(change.old)} -> ${value(change.new)}`];
    case 'version':
      return ['cache', `version: ${value(change.old)} -> ${value(change.new)}`];
    case 'platform':
      return ['cache', `platform: ${change.old} -> ${change.new}`];
    case 'format':
      return ['cache', "runner's cache format changed: every stage reruns once"];
    default:
      return unreachable(change);
  }
}

/** Lines explaining a `why`; empty when the one-line reason says it all. */
export function whyLines(why: Why | undefined, stageName = 'the stage'): string[] {
  if (!why) return [];
  switch (why.reason) {
    case 'changed':
      return why.changes.length > 0
        ? changeLines(why.changes, why.moreInputs)
        : ['its key changed, but no recorded field differs'];
    case 'no-cache-entry':
      return [`no earlier run of ${stageName} here to compare with (or its last key is no longer in .runner/objects)`];
    case 'found-in-cache':
      return [`no earlier run of ${stageName} here; its result is in the cache (another machine or workspace made it)`];
    case 'upstream-will-run':
      return [`upstream ${why.stage} will run first; the inputs, params, env and code of ${stageName} are unchanged`];
    case 'ttl-expired':
      return [`the cached result is ${age(why.ageMs)} old; cache.ttl is ${formatDuration(why.ttlMs)}`];
    case 'uncacheable':
      return [
        `its last run kept ${why.items} ${why.items === 1 ? "item's result" : "items' results"} out of the cache (its cacheable() said no): those items are asked for again, the others are found in the item cache`,
      ];
    case 'output-missing':
      return [`output ${why.path} is missing: restored from the cache`];
    case 'output-changed':
      return [`output ${why.path} was modified: restored from the cache`];
    case 'forced':
    case 'no-cache':
    case 'policy-never':
    case 'unchanged':
      return [];
    default:
      return unreachable(why);
  }
}

export interface Explanation {
  pipeline: string;
  stage: string;
  wouldRun: boolean;
  action: StageStatus['action'];
  reason: string;
  why?: Why;
  /** why.changes when the key changed, else empty: what --json readers usually want. */
  changes: Change[];
}

export function explanation(status: StageStatus): Explanation {
  const { pipeline, stage, wouldRun, action, reason, why } = status;
  return { pipeline, stage, wouldRun, action, reason, why, changes: why?.reason === 'changed' ? why.changes : [] };
}

/** `runner status --explain` and `runner explain`: a status line per stage, the full difference under each one that would run or restore. */
export function renderExplain(statuses: readonly StageStatus[], options: { isSummary?: boolean } = {}): string {
  const width = statusWidth(statuses);
  const lines: string[] = [];
  for (const status of statuses) {
    lines.push(statusLine(status, width));
    if (status.action !== 'cached') lines.push(...whyLines(status.why, status.stage).map((l) => `    ${l}`));
  }
  if (options.isSummary !== false) {
    lines.push(wouldRunCount(statuses));
  }
  return `${lines.join('\n')}\n`;
}

/** Roughly, in the largest unit: 8.1d, 3.5h, 12.0m, 40s. */
function age(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms >= size) return `${(ms / size).toFixed(1).replace(/\.0$/, '')}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

function value(v: unknown): string {
  if (v === undefined) return '(unset)';
  return JSON.stringify(v);
}
