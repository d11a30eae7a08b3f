// Phase 1 of a stage in a run: its key. Expands its globs, hashes its
// inputs (memoised by the stat cache) and its code, and builds the manifest
// the fingerprint hashes. Synchronous on purpose: the run gives each stage
// a time slice of the main thread for this (TimeSlices), and a key that
// could await would give the slice up in the middle.
import type { StagePlan } from '../config/types.js';
import { foreachOf, runOf } from '../config/types.js';
import { codeHashes } from '../cache/code-hash.js';
import type { CodeHashes } from '../cache/code-hash.js';
import { buildManifest, fingerprintOf, inputsBytes } from '../cache/fingerprint.js';
import { inputsOfBytes, patchedInputsBytes, rememberBasis } from '../cache/list-patch.js';
import { keepListHash, keptListHash, keptListNear, passMemoFile, readPassMemo } from '../cache/pass-memo.js';
import type { PassMemo } from '../cache/pass-memo.js';
import { hashValue, sha256 } from '../util/hash.js';
import type { Manifest } from '../cache/fingerprint.js';
import { expandGlobs, isGlob, matchesGlobs } from '../cache/glob.js';
import type { StageRecord } from '../cache/state.js';
import type { LaterHashes, OpenPass } from '../cache/stat-cache.js';
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
  /**
   * A run that will run the stage when it has nothing to reuse: a map over
   * many files never run here may start before its files are all read
   * (Keyed.later).
   */
  mayReadLater?: boolean;
}

export interface Keyed {
  fingerprint: string;
  manifest: Manifest;
  /** Files matched by `foreach.files` (map stages over files). */
  foreachFiles: readonly string[];
  /** Content hash of each of foreachFiles, as in the manifest (undefined: not read yet, see `later`). */
  foreachHashes: readonly (string | undefined)[];
  /**
   * A map over files that starts before its files are all read: its
   * fingerprint is '' and its manifest lists them without hashes until
   * finish() gives its key.
   */
  later?: LaterKey;
  /**
   * A key found from a kept list hash (cache/pass-memo.ts): foreachHashes
   * is empty until through() and the manifest's inputs are built when first
   * read; finish() gives the key with them.
   */
  unread?: LaterKey;
}

export interface LaterKey {
  /** The hashes of the first n foreach files are in foreachHashes. */
  through(n: number): void;
  /** The stage's key, every file read first. */
  finish(): Keyed;
  /** No key after all (the stage did not finish): stops reading. */
  end(): void;
}

/** Files left to read for a map stage to start before them (see mayReadLater). */
const READ_LATER_MIN = 1024;

export function computeKey(input: KeyInput): Keyed | { failure: Failure } {
  const { stage, res, upstream, pending } = input;
  const { definition } = stage;
  for (const pattern of definition.inputs) {
    if (!pattern.startsWith('!') && !isGlob(pattern) && !res.stats.stat(pattern) && !pending?.has(pattern))
      return { failure: { kind: 'input-missing', path: pattern } };
  }
  const needs: Record<string, string> = {};
  for (const need of definition.needs) {
    const record = upstream.get(need);
    if (!record) return { failure: { kind: 'upstream-missing', stage: need } };
    needs[need] = record.outputFingerprint;
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
  const run = runOf(definition);
  const code: CodeHashes = run ? codeHashes(res.stats, run.module) : [];
  const parts = { definition, code, needs, sorted };
  if (declared.length === 0 && mayReadLater(input)) {
    const { hashes, later } = res.stats.hashAllLater(sorted, READ_LATER_MIN);
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
 * The key of a long list from its stat pass: when the stage's pass memo
 * holds a clean answer for these very stats, from the list hash it keeps
 * (the list itself built only if the stage runs: Keyed.unread); else from
 * the hashes, keeping the answer of a clean pass that read no file.
 */
function passKey(parts: KeyParts, foreachFiles: readonly string[], pass: OpenPass, memo: string | undefined): Keyed {
  const { sorted } = parts;
  const read = memo === undefined ? undefined : readPassMemo(memo, sorted);
  const kept = read === undefined ? undefined : keptListHash(read, pass.stats);
  if (kept !== undefined) {
    pass.end();
    return unreadKey(parts, foreachFiles, pass, kept);
  }
  const keyed =
    (read === undefined ? undefined : nearKey(parts, foreachFiles, pass, read)) ??
    keyedBy(parts, inputList(sorted, foreachFiles, pass.hashes(), undefined));
  // Kept from a pass that read nothing (a no-op's): a run after an edit does not pay for it, the no-op after it does.
  if (memo !== undefined && !pass.didRead()) keepListHash(memo, sorted, pass.stats, inputsBytes(keyed.manifest.inputs));
  return keyed;
}

/** Files a pass may differ from its memo in for the list to be made from the memo's (a sixteenth of them, at most). */
const NEAR_SHARE = 16;

/**
 * The key of a long list whose stat pass differs from the stage's pass memo
 * in a few files (keptListNear): those files hashed (as the stat cache
 * answers them) and their lines made anew in the memo's list text, the
 * others' hashes read back from it. Undefined when the memo is not near.
 */
function nearKey(parts: KeyParts, foreachFiles: readonly string[], pass: OpenPass, memo: PassMemo): Keyed | undefined {
  const { sorted } = parts;
  const near = keptListNear(memo, pass.stats, Math.floor(sorted.length / NEAR_SHARE));
  if (near === undefined) return undefined;
  const lines: [string, string][] = [];
  for (const i of near.changed) lines[i] = [sorted[i] as string, pass.hashAt(i) ?? 'missing'];
  pass.end();
  const patched = patchedInputsBytes(near.text, near.changed, lines);
  const inputs = patched && inputsOfBytes(sorted, patched.bytes, sha256(patched.bytes));
  if (patched === undefined || inputs === undefined) return undefined;
  rememberBasis(inputs, { hash: near.hash, spans: patched.spans });
  return keyedBy(parts, listOf(sorted, foreachFiles, inputs));
}

/** A key from a kept list hash: the manifest's `inputs` and the foreach hashes are built when first asked for. */
function unreadKey(parts: KeyParts, foreachFiles: readonly string[], pass: OpenPass, listHash: string): Keyed {
  const { definition, code, needs, sorted } = parts;
  const manifest = buildManifest({ definition, code, inputs: [], needs });
  const fingerprint = hashValue({ ...manifest, inputs: listHash });
  let full: Keyed | undefined;
  const built = (): Keyed => {
    full ??= keyedBy(parts, inputList(sorted, foreachFiles, pass.hashes(), undefined));
    return full;
  };
  Object.defineProperty(manifest, 'inputs', { get: () => built().manifest.inputs, enumerable: true });
  const foreachHashes = new Array<string | undefined>(foreachFiles.length);
  return {
    fingerprint,
    manifest,
    foreachFiles,
    foreachHashes,
    unread: {
      through: () => {
        if (foreachHashes.length > 0 && foreachHashes[0] === undefined)
          built().foreachHashes.forEach((hash, i) => {
            foreachHashes[i] = hash;
          });
      },
      finish: built,
      end: () => {},
    },
  };
}

interface KeyParts {
  definition: StagePlan['definition'];
  code: CodeHashes;
  needs: Record<string, string>;
  /** The key's input files, sorted. */
  sorted: readonly string[];
}

function keyedBy(parts: KeyParts, list: InputList): Keyed {
  const { definition, code, needs } = parts;
  const manifest = buildManifest({ definition, code, inputs: list.inputs, needs });
  return {
    fingerprint: fingerprintOf(manifest),
    manifest,
    foreachFiles: list.foreachFiles,
    foreachHashes: list.foreachHashes,
  };
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

/** The key of a map over files whose files are read as its items need them (Keyed.later). */
function laterKey(
  parts: KeyParts,
  hashes: readonly (string | undefined)[],
  later: LaterHashes,
  memo: string | undefined,
): Keyed {
  const { definition, code, needs, sorted } = parts;
  const unread = buildManifest({ definition, code, inputs: sorted.map((file) => [file, '']), needs });
  return {
    fingerprint: '',
    manifest: unread,
    foreachFiles: sorted,
    foreachHashes: hashes,
    later: {
      through: (n) => later.through(n),
      finish: () => {
        later.through(sorted.length);
        const keyed = keyedBy(parts, inputList(sorted, sorted, hashes, undefined));
        if (memo !== undefined && later.isClean())
          keepListHash(memo, sorted, later.stats, inputsBytes(keyed.manifest.inputs));
        return keyed;
      },
      end: () => later.end(),
    },
  };
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
  foreachFiles: readonly string[];
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
  const list = listOf(
    sorted,
    foreachFiles,
    sorted.map((file, i): [string, string] => [file, hashes[i] ?? 'missing']),
  );
  if (!pending) lists.set(answered, { files: sorted, foreachFiles, list });
  return list;
}

/** The list of `inputs` (a pair each of `sorted`), with the hashes of foreachFiles among them. */
function listOf(sorted: readonly string[], foreachFiles: readonly string[], inputs: [string, string][]): InputList {
  return {
    inputs,
    foreachFiles,
    foreachHashes: sorted === foreachFiles ? inputs.map(([, hash]) => hash) : hashesOf(foreachFiles, inputs),
  };
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
