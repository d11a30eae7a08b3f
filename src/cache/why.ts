// Why a stage runs (or not), as data. The exact difference between the key
// a stage was last cached under and its key now.
import { canonicalJson } from '../util/hash.js';
import type { Manifest, Platform } from './fingerprint.js';

export type Change =
  | { kind: 'format' }
  | { kind: 'definition'; field: string; old: unknown; new: unknown }
  | { kind: 'code'; file: string; change: FileChange }
  | { kind: 'param'; name: string; old: unknown; new: unknown }
  | { kind: 'env'; name: string; old?: string; new?: string; isSecret: boolean }
  | { kind: 'version'; old: string | null; new: string | null }
  | { kind: 'platform'; old: string; new: string }
  | { kind: 'input'; file: string; change: FileChange }
  | { kind: 'upstream'; stage: string };

export type FileChange = 'changed' | 'added' | 'removed';

export type Why =
  | { reason: 'unchanged' }
  | { reason: 'forced' }
  | { reason: 'no-cache' }
  | { reason: 'policy-never' }
  | { reason: 'no-cache-entry' }
  | { reason: 'found-in-cache' }
  /** `moreInputs`: changed inputs left out of `changes` (see listedWhy). */
  | { reason: 'changed'; changes: Change[]; moreInputs?: number }
  | { reason: 'output-missing'; path: string }
  | { reason: 'output-changed'; path: string }
  | { reason: 'ttl-expired'; ageMs: number; ttlMs: number }
  /** The last run kept `items` results out of the cache (the map's `cacheable`): it is not reused whole. */
  | { reason: 'uncacheable'; items: number }
  | { reason: 'upstream-will-run'; stage: string };

/**
 * Every difference between two manifests, most direct cause first: a param
 * or env value changes the definition it is expanded into, so it comes
 * before the definition; inputs and upstream come last.
 */
export function diffManifests(previous: Manifest, current: Manifest): Change[] {
  const changes: Change[] = [];
  if (previous.format !== current.format) changes.push({ kind: 'format' });
  for (const { file, change } of diffFiles(previous.code, current.code)) changes.push({ kind: 'code', file, change });
  for (const name of unionKeys(previous.params, current.params)) {
    const [a, b] = [previous.params[name], current.params[name]];
    if (!isSame(a, b)) changes.push({ kind: 'param', name, old: a, new: b });
  }
  for (const name of unionKeys(previous.env, current.env)) {
    const [a, b] = [previous.env[name], current.env[name]];
    if (a === b) continue;
    const isSecret = (a ?? b ?? '').startsWith('sha256:');
    changes.push({ kind: 'env', name, old: isSecret ? undefined : a, new: isSecret ? undefined : b, isSecret });
  }
  // A manifest from before the platform was in the key has none.
  const [oldPlatform, newPlatform] = [platformText(previous.platform), platformText(current.platform)];
  if (oldPlatform !== newPlatform) changes.push({ kind: 'platform', old: oldPlatform, new: newPlatform });
  if (previous.version !== current.version)
    changes.push({ kind: 'version', old: previous.version, new: current.version });
  for (const field of unionKeys(previous.definition, current.definition)) {
    const [a, b] = [previous.definition[field], current.definition[field]];
    if (!isSame(a, b)) changes.push({ kind: 'definition', field, old: a, new: b });
  }
  for (const { file, change } of diffFiles(previous.inputs, current.inputs))
    changes.push({ kind: 'input', file, change });
  for (const stage of unionKeys(previous.needs, current.needs)) {
    if (previous.needs[stage] !== current.needs[stage]) changes.push({ kind: 'upstream', stage });
  }
  return changes;
}

/** Changed inputs a stage:end event and the run record list; the rest are counted. */
export const LISTED_INPUTS = 100;

/**
 * `why` as a stage:end event carries it: every change but the inputs, and
 * the first LISTED_INPUTS changed inputs, the others counted in
 * `moreInputs`. A run over 100,000 edited files would otherwise print a
 * line of several megabytes and keep it in its run record.
 */
export function listedWhy(why: Why): Why {
  if (why.reason !== 'changed') return why;
  let inputs = 0;
  const changes = why.changes.filter((change) => change.kind !== 'input' || ++inputs <= LISTED_INPUTS);
  const left = why.changes.length - changes.length;
  return left === 0 ? why : { ...why, changes, moreInputs: left + (why.moreInputs ?? 0) };
}

/** A platform as one word, e.g. linux-x64-node20. */
export function platformText(platform: Platform | undefined): string {
  return platform ? `${platform.os}-${platform.arch}-node${platform.node}` : '(none)';
}

/** Differences between two file lists, each sorted by path: one merge walk, no map of either. */
function diffFiles(
  previous: readonly [string, string][],
  current: readonly [string, string][],
): { file: string; change: FileChange }[] {
  const out: { file: string; change: FileChange }[] = [];
  let i = 0;
  let j = 0;
  while (i < previous.length || j < current.length) {
    const [before, oldHash] = previous[i] ?? [];
    const [after, newHash] = current[j] ?? [];
    if (after === undefined || (before !== undefined && before < after)) {
      out.push({ file: before ?? '', change: 'removed' });
      i++;
    } else if (before === undefined || after < before) {
      out.push({ file: after, change: 'added' });
      j++;
    } else {
      if (oldHash !== newHash) out.push({ file: after, change: 'changed' });
      i++;
      j++;
    }
  }
  return out;
}

/** Equal as values: the stored manifest has sorted keys, a fresh one may not. */
function isSame(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
