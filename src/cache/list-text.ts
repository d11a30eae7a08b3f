// A stage's input list held as its text: one `hash path` line per file,
// sorted by path (what the fingerprint hashes, fingerprint.ts), and where
// each line starts. A rerun after an edit patches the last run's text
// (list-patch.ts) and a cold map writes its text from its hashes; neither
// makes a [path, hash] pair or a hash string per file. A map over the
// files reads a block's lines as the block's identity and a hash only for
// an item it keys (map/item-source.ts); the pairs are made only when
// something asks the manifest for them (fingerprint.ts, holdListText).
import { sha256 } from '../util/hash.js';
import { HashColumn, HEX_LENGTH } from './hash-column.js';

/** What the list has for a missing file's hash. */
export const MISSING = 'missing';

/** A file's hash as the list has it: undefined (missing) is written `missing`. */
export function listedHash(hash: string | undefined): string {
  return hash ?? MISSING;
}

/** One file's line of the list text. */
export function inputLine(file: string, hash: string): string {
  return `${hash} ${listedPath(file)}\n`;
}

/** A path as an input list writes it: one with a newline (or that starts like JSON) as JSON, so every list has one text. */
export function listedPath(file: string): string {
  return file.includes('\n') || file.startsWith('"') ? JSON.stringify(file) : file;
}

/**
 * The list text of `count` files, `fileAt(i)` and `hashAt(i)` each, as
 * UTF-8 written line by line into one buffer of its exact size, and where
 * each line starts (the last entry: the text's length). At 100,000 files
 * the text as a string (a rope of 100,000 lines, then flattened) was 20 MB
 * of garbage beside the 9 MB kept.
 */
export function writeListText(
  count: number,
  fileAt: (i: number) => string,
  hashAt: (i: number) => string,
  hashBytes: (i: number) => number = (i) => Buffer.byteLength(hashAt(i)),
): { bytes: Buffer; starts: Uint32Array } {
  let size = 0;
  for (let i = 0; i < count; i++) size += hashBytes(i) + Buffer.byteLength(listedPath(fileAt(i))) + 2;
  const bytes = Buffer.allocUnsafe(size);
  const starts = new Uint32Array(count + 1);
  let at = 0;
  for (let i = 0; i < count; i++) {
    starts[i] = at;
    at += bytes.write(hashAt(i), at);
    bytes[at++] = 0x20;
    at += bytes.write(listedPath(fileAt(i)), at);
    bytes[at++] = 0x0a;
  }
  starts[count] = at;
  return { bytes, starts };
}

/** An input list's text, its sha256 and its lines. */
export class ListText {
  readonly bytes: Buffer;
  readonly hash: string;
  readonly count: number;
  readonly #starts: Uint32Array;

  private constructor(bytes: Buffer, hash: string, starts: Uint32Array) {
    this.bytes = bytes;
    this.hash = hash;
    this.count = starts.length - 1;
    this.#starts = starts;
  }

  /** The text of `files` (sorted) with `hashes` (undefined: missing). */
  static of(files: readonly string[], hashes: readonly (string | undefined)[] | HashColumn): ListText {
    const fileAt = (i: number): string => files[i] as string;
    const { bytes, starts } =
      hashes instanceof HashColumn
        ? // A column's hex is made once a file, for its line, not also to size the text.
          writeListText(
            files.length,
            fileAt,
            (i) => listedHash(hashes.at(i)),
            (i) => (hashes.isSet(i) ? HEX_LENGTH : MISSING.length),
          )
        : writeListText(files.length, fileAt, (i) => listedHash(hashes[i]));
    return new ListText(bytes, sha256(bytes), starts);
  }

  /**
   * `bytes` (sha256 `hash`) as a list of `count` lines; undefined when it
   * does not hold exactly `count` lines, each with a space before its end.
   */
  static read(bytes: Buffer, hash: string, count: number): ListText | undefined {
    // Found in the bytes (a newline or a space is never part of a UTF-8
    // sequence): made a string first, 100,000 lines took 25 ms, not 4.
    const starts = new Uint32Array(count + 1);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const newline = bytes.indexOf(0x0a, at);
      const space = bytes.indexOf(0x20, at);
      if (newline === -1 || space === -1 || space > newline) return undefined;
      starts[i] = at;
      at = newline + 1;
    }
    if (at !== bytes.length) return undefined;
    starts[count] = at;
    return new ListText(bytes, hash, starts);
  }

  /** The hash on line `i` (the text before its first space). */
  hashAt(i: number): string {
    const start = this.#starts[i] ?? 0;
    return this.bytes.toString('latin1', start, this.bytes.indexOf(0x20, start));
  }

  /** Lines [first, first + count), as they are in the text. */
  lines(first: number, count: number): Buffer {
    return this.bytes.subarray(this.#starts[first], this.#starts[first + count]);
  }
}

/**
 * Where a map over files finds its files' hashes: one per file (undefined:
 * missing), as strings or in a column (a cold pass's), or the list's text
 * when it holds exactly them.
 */
export type FileHashes = readonly (string | undefined)[] | HashColumn | ListText;

/** File `i`'s hash in `hashes`, as the list has it (missing: `missing`). */
export function fileHash(hashes: FileHashes, i: number): string {
  if (hashes instanceof ListText) return hashes.hashAt(i);
  return listedHash(hashes instanceof HashColumn ? hashes.at(i) : hashes[i]);
}
