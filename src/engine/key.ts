// Phase 1 of a stage in a run: its key. Expands its globs, hashes its
// inputs (memoised by the stat cache; a long list's stat pass in
// pass-key.ts) and its code, and builds the manifest the fingerprint hashes
// (key-list.ts). Synchronous on purpose: the run gives each stage
// a time slice of the main thread for this (TimeSlices), and a key that
// could await would give the slice up in the middle.
import type { StagePlan } from '../config/types.js';
import { foreachOf, runOf } from '../config/types.js';
import { codeHashes } from '../cache/code-hash.js';
import type { CodeHashes } from '../cache/code-hash.js';
import { passMemoFile } from '../cache/pass-memo.js';
import { expandGlobs, isGlob, matchesGlobs } from '../cache/glob.js';
import type { StageRecord } from '../cache/state.js';
import type { Failure } from './events.js';
import type { Resources } from './resources.js';
import { inputList, keyedBy } from './key-list.js';
import type { Keyed } from './key-list.js';
import { laterKey, passKey } from './pass-key.js';

export type { Keyed, LaterKey } from './key-list.js';

export interface KeyInput {
  stage: StagePlan;
  /** Record of every `needs` stage (this run's, or the last one here). */
  upstream: ReadonlyMap<string, StageRecord>;
  res: Resources;
  /**
   * Files an upstream stage would restore, with the hash they would have
   * (`runner status`, which restores nothing): taken as if already there.
   */
  pending?: ReadonlyMap<string, string>;
  /**
   * A run that will run the stage when it has nothing to reuse: a map over
   * many files never run here may start before its files are all read
   * (Keyed.later).
   */
  mayReadLater?: boolean;
}

/** Files left to read for a map stage to start before them (see mayReadLater). */
const READ_LATER_MIN = 1024;

export function computeKey(input: KeyInput): Keyed | { failure: Failure } {
  const { stage, res, upstream, pending } = input;
  const { definition } = stage;
  // An upstream with no result first: a missing input is often its output (`--only b` before a ever ran).
  const needs: Record<string, string> = {};
  for (const need of definition.needs) {
    const record = upstream.get(need);
    if (!record) return { failure: { kind: 'upstream-missing', stage: need } };
    needs[need] = record.outputFingerprint;
  }
  const foreach = foreachOf(definition);
  // A path named outright must be there, whether an input or a file the map maps.
  for (const pattern of [...definition.inputs, ...(foreach?.kind === 'files' ? foreach.patterns : [])]) {
    if (!pattern.startsWith('!') && !isGlob(pattern) && !res.stats.stat(pattern) && !pending?.has(pattern))
      return { failure: { kind: 'input-missing', path: pattern } };
  }
  const foreachFiles = foreach?.kind === 'files' ? expandGlobs(res.stats, foreach.patterns, foreach.exclude) : [];
  const declared = pending
    ? withPending(expandGlobs(res.stats, definition.inputs), definition.inputs, pending)
    : expandGlobs(res.stats, definition.inputs);
  // foreachFiles come sorted; alone (the usual map over files) they are the whole list.
  const sorted =
    declared.length === 0
      ? foreachFiles
      : foreachFiles.length === 0
        ? sortedUnique(declared)
        : [...new Set([...declared, ...foreachFiles])].sort();
  const run = runOf(definition);
  const code: CodeHashes = run ? codeHashes(res.stats, run.module) : [];
  const parts = { definition, code, needs, sorted };
  if (declared.length === 0 && mayReadLater(input)) {
    // Items run on this thread may read their files from what the hash pass read (ctx.read).
    const keep = definition.kind === 'map' && stage.knobs.isolate === 'inline';
    const { hashes, later } = res.stats.hashAllLater(sorted, READ_LATER_MIN, keep);
    if (later) return laterKey(parts, hashes, later, passMemoOf(input));
    return keyedBy(parts, inputList(sorted, foreachFiles, hashes, undefined));
  }
  const pass = pending ? undefined : res.stats.openPass(sorted);
  if (pass) return passKey(parts, foreachFiles, pass, passMemoOf(input));
  return keyedBy(parts, inputList(sorted, foreachFiles, res.stats.hashAll(sorted), pending));
}

/** The stage's pass memo file; undefined when the stat cache is kept in memory only (--no-cache). */
function passMemoOf(input: KeyInput): string | undefined {
  const { stateDir } = input.res.stats;
  return stateDir === undefined ? undefined : passMemoFile(stateDir, input.stage.id);
}

/**
 * Whether a map over files may start before its files are all read: only
 * where its key could find nothing to reuse (it never ran here, and no
 * shared store could hold its record) and nothing but its items reads
 * them (no other inputs, no outputs, not in place).
 */
function mayReadLater(input: KeyInput): boolean {
  const { stage, res } = input;
  const { definition } = stage;
  return (
    input.mayReadLater === true &&
    input.pending === undefined &&
    definition.kind === 'map' &&
    foreachOf(definition)?.kind === 'files' &&
    !definition.cache.isInPlace &&
    definition.outputs.length === 0 &&
    !res.hasSharedStore &&
    res.state.get(stage.id) === undefined
  );
}

/** Each list's files sorted, once: a glob memo's array comes back the same in the daemon's next run. */
const sortedLists = new WeakMap<readonly string[], readonly string[]>();

function sortedUnique(files: readonly string[]): readonly string[] {
  let sorted = sortedLists.get(files);
  if (sorted === undefined) {
    sorted = [...new Set(files)].sort();
    sortedLists.set(files, sorted);
  }
  return sorted;
}

/** Files matched on disk plus the pending ones the patterns match, sorted. */
function withPending(
  found: readonly string[],
  patterns: readonly string[],
  pending: ReadonlyMap<string, string>,
): readonly string[] {
  const extra = [...pending.keys()].filter((file) => matchesGlobs(file, patterns));
  return extra.length === 0 ? found : [...new Set([...found, ...extra])].sort();
}
