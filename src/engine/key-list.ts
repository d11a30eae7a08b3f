// A stage key's manifest from its parts (definition, code, needs) and its
// input list: the list's pairs, the hashes of the files a map maps, and the
// key they give (key.ts decides how the hashes are had: pass-key.ts for a
// long list's stat pass).
import type { StagePlan } from '../config/types.js';
import type { CodeHashes } from '../cache/code-hash.js';
import { buildManifest, fingerprintOf, holdListText } from '../cache/fingerprint.js';
import type { Manifest } from '../cache/fingerprint.js';
import { listedHash } from '../cache/list-text.js';
import type { FileHashes, ListText } from '../cache/list-text.js';

export interface Keyed {
  fingerprint: string;
  manifest: Manifest;
  /** The key's input files, sorted (the stage's ctx.inputs). */
  files: readonly string[];
  /** Files matched by `foreach.files` (map stages over files). */
  foreachFiles: readonly string[];
  /**
   * Content hash of each of foreachFiles, as in the manifest (undefined: not
   * read yet, see `later`); or the list's text, when its files are exactly
   * foreachFiles and the list is held as text (keyedByText).
   */
  foreachHashes: FileHashes;
  /**
   * A map over files that starts before its files are all read: its
   * fingerprint is '' and its manifest's inputs are empty (its files are
   * `files`, its only inputs) until finish() gives its key.
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
  /** What the reading kept of the files' bytes for the stage's items (a cold map over files run inline). */
  kept?: KeptFiles;
}

/** The bytes of a map's foreach files as read for their hashes, kept while its items may ask (ctx.read). */
export interface KeptFiles {
  /** A copy of foreach file `i`'s bytes, as hashed, while kept; else undefined. */
  bytes(i: number): Buffer | undefined;
  /** Those bytes decoded, while kept; else undefined. */
  text(i: number, encoding: BufferEncoding): string | undefined;
  /** The items before list position `p` are done: their files' bytes need not be kept. */
  release(p: number): void;
}

/** A stage's key but for its input list. */
export interface KeyParts {
  definition: StagePlan['definition'];
  code: CodeHashes;
  needs: Record<string, string>;
  /** The key's input files, sorted. */
  sorted: readonly string[];
}

export function keyedBy(parts: KeyParts, list: InputList): Keyed {
  const { definition, code, needs } = parts;
  const manifest = buildManifest({ definition, code, inputs: list.inputs, needs });
  return {
    fingerprint: fingerprintOf(manifest),
    manifest,
    files: parts.sorted,
    foreachFiles: list.foreachFiles,
    foreachHashes: list.foreachHashes,
  };
}

/**
 * The key of a list held as its text (list-text.ts): no pair and no hash
 * string made per file. The manifest's `inputs` are read back from the text
 * if something asks for them; a map over the files takes their hashes from
 * the text (or, when the list has other files too, from those pairs).
 */
export function keyedByText(parts: KeyParts, foreachFiles: readonly string[], text: ListText): Keyed {
  const { definition, code, needs, sorted } = parts;
  const manifest = buildManifest({ definition, code, inputs: [], needs });
  holdListText(manifest, text, () => sorted.map((file, i): [string, string] => [file, text.hashAt(i)]));
  return {
    fingerprint: fingerprintOf(manifest),
    manifest,
    files: sorted,
    foreachFiles,
    foreachHashes: sorted === foreachFiles ? text : hashesOf(foreachFiles, manifest.inputs),
  };
}

export interface InputList {
  inputs: [string, string][];
  foreachFiles: readonly string[];
  foreachHashes: readonly string[];
}

/** [file, hash] of each of `sorted` (the key's inputs), and the hashes of foreachFiles among them. */
export function inputList(
  sorted: readonly string[],
  foreachFiles: readonly string[],
  answered: readonly (string | undefined)[],
  pending: ReadonlyMap<string, string> | undefined,
): InputList {
  const hashes = pending ? sorted.map((file, i) => pending.get(file) ?? answered[i]) : answered;
  return listOf(
    sorted,
    foreachFiles,
    sorted.map((file, i): [string, string] => [file, listedHash(hashes[i])]),
  );
}

/** The list of `inputs` (a pair each of `sorted`), with the hashes of foreachFiles among them. */
export function listOf(
  sorted: readonly string[],
  foreachFiles: readonly string[],
  inputs: [string, string][],
): InputList {
  return {
    inputs,
    foreachFiles,
    foreachHashes: sorted === foreachFiles ? inputs.map(([, hash]) => hash) : hashesOf(foreachFiles, inputs),
  };
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
