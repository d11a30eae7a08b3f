// Phase 1 of a stage in a run: its key. Expands its globs, hashes its
// inputs (memoised by the stat cache) and its code, and builds the manifest
// the fingerprint hashes. Synchronous on purpose: the run gives each stage
// a time slice of the main thread for this (TimeSlices), and a key that
// could await would give the slice up in the middle.
import type { StagePlan } from '../config/types.js';
import { foreachOf, runOf } from '../config/types.js';
import { codeHashes } from '../cache/code-hash.js';
import type { CodeHashes } from '../cache/code-hash.js';
import { buildManifest, fingerprintOf } from '../cache/fingerprint.js';
import type { Manifest } from '../cache/fingerprint.js';
import { expandGlobs, isGlob, matchesGlobs } from '../cache/glob.js';
import type { StageRecord } from '../cache/state.js';
import type { Failure } from './events.js';
import type { Resources } from './resources.js';

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
}

export interface Keyed {
  fingerprint: string;
  manifest: Manifest;
  /** Files matched by `foreach.files` (map stages over files). */
  foreachFiles: readonly string[];
  /** Content hash of each of foreachFiles, as in the manifest. */
  foreachHashes: readonly string[];
}

export function computeKey(input: KeyInput): Keyed | { failure: Failure } {
  const { stage, res, upstream, pending } = input;
  const { definition } = stage;
  for (const pattern of definition.inputs) {
    if (!pattern.startsWith('!') && !isGlob(pattern) && !res.stats.stat(pattern) && !pending?.has(pattern))
      return { failure: { kind: 'input-missing', path: pattern } };
  }
  const foreach = foreachOf(definition);
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
  const { inputs, foreachHashes } = inputList(sorted, foreachFiles, res.stats.hashAll(sorted), pending);
  const run = runOf(definition);
  const code: CodeHashes = run ? codeHashes(res.stats, run.module) : [];
  const needs: Record<string, string> = {};
  for (const need of definition.needs) {
    const record = upstream.get(need);
    if (!record) return { failure: { kind: 'upstream-missing', stage: need } };
    needs[need] = record.outputFingerprint;
  }
  const manifest = buildManifest({ definition, code, inputs, needs });
  return { fingerprint: fingerprintOf(manifest), manifest, foreachFiles, foreachHashes };
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

interface InputList {
  inputs: [string, string][];
  foreachHashes: readonly string[];
}

/**
 * The list of each array of hashes StatCache.hashAll answered, by that
 * array: while every input is as it was (the daemon's next run), hashAll
 * gives back the same array, and the same list (and so its text and hash,
 * fingerprint.ts) comes back here instead of 100,000 pairs made again.
 */
const lists = new WeakMap<
  readonly (string | undefined)[],
  { files: readonly string[]; foreachFiles: readonly string[]; list: InputList }
>();

/** [file, hash] of each of `sorted` (the key's inputs), and the hashes of foreachFiles among them. */
function inputList(
  sorted: readonly string[],
  foreachFiles: readonly string[],
  answered: readonly (string | undefined)[],
  pending: ReadonlyMap<string, string> | undefined,
): InputList {
  const known = lists.get(answered);
  if (!pending && known?.files === sorted && known.foreachFiles === foreachFiles) return known.list;
  const hashes = pending ? sorted.map((file, i) => pending.get(file) ?? answered[i]) : answered;
  const inputs: [string, string][] = sorted.map((file, i) => [file, hashes[i] ?? 'missing']);
  const list = {
    inputs,
    foreachHashes: sorted === foreachFiles ? inputs.map(([, hash]) => hash) : hashesOf(foreachFiles, inputs),
  };
  if (!pending) lists.set(answered, { files: sorted, foreachFiles, list });
  return list;
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

/** The hashes of `files` (sorted) out of `inputs` (sorted, a superset): one merge walk. */
function hashesOf(files: readonly string[], inputs: readonly [string, string][]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const file of files) {
    while (at < inputs.length && (inputs[at]?.[0] ?? '') < file) at++;
    out.push(inputs[at]?.[0] === file ? (inputs[at]?.[1] ?? 'missing') : 'missing');
  }
  return out;
}
