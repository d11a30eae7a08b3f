// The answer of a long list's last clean stat pass, kept across runs: the
// stats of every file (size, mtime, inode, mode; a missing file too) and
// the hash of the key's input list they gave, per stage. A run whose stat
// pass over the same list is byte for byte the same has the same list, so
// its key needs neither the hashes nor the 9 MB text of a 100,000-file list
// (a no-op in CI: about 90 ms less). Only a clean answer is kept: no hash in
// it came from a stat that changed too recently to vouch for its content
// (the stat cache's racy rule), so equal stats mean equal content. Deleting
// this module (and its uses in src/engine/pass-key.ts) builds every list again.
//
// Beside it (`.list`) the memo keeps the list's text: a run whose pass
// differs from the memo in a few files (a rerun after an edit) takes the
// other files' lines from it and makes only those few again, instead of
// building the whole list (at 100,000 files: 100,000 hex hashes and pairs,
// and the 9 MB text). The text is used only when its sha256 is the list
// hash the memo keeps.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { listIdentity } from './list-identity.js';
import { FIELDS } from './stat-beside.js';
import { bytesOf } from '../util/bytes.js';

const FORMAT = 'runner-pass-memo 1';

interface Head {
  format: string;
  /** sha256 of the list's paths joined by NULs (no path holds one). */
  list: string;
  /** The hash of the key's input list (fingerprint.ts, inputsBytes). */
  inputs: string;
  count: number;
}

/** Where a stage's memo lives under the state directory. */
export function passMemoFile(stateDir: string, stageId: string): string {
  return path.join(stateDir, 'passes', `${sha256(stageId).slice(0, 32)}.bin`);
}

/** A stage's memo as read for a list of files (readPassMemo): its head and the stats it keeps. */
export interface PassMemo {
  file: string;
  head: Head;
  stats: Buffer;
}

/** The input list hash the memo keeps, when its stats are exactly these; undefined for anything else. */
export function keptListHash(memo: PassMemo, stats: Float64Array): string | undefined {
  return memo.stats.equals(bytesOf(stats)) ? memo.head.inputs : undefined;
}

/** A memo's list beside a pass that differs from it in a few files (keptListNear). */
export interface NearList {
  /** The rows of the list whose stats are not the memo's, ascending. */
  changed: number[];
  /** The memo's list text (inputsText), whose sha256 is the list hash the memo keeps. */
  text: Buffer;
  /** That list hash. */
  hash: string;
}

/**
 * The memo's list text, and the rows whose stats differ from the memo's,
 * when there are `most` of them or fewer (and some); else undefined.
 */
export function keptListNear(memo: PassMemo, stats: Float64Array, most: number): NearList | undefined {
  if (memo.stats.length !== stats.byteLength) return undefined;
  const changed = changedRows(memo.stats, stats, most);
  if (changed === undefined || changed.length === 0) return undefined;
  let text: Buffer;
  try {
    text = fs.readFileSync(listFileOf(memo.file));
  } catch {
    return undefined;
  }
  return sha256(text) === memo.head.inputs ? { changed, text, hash: memo.head.inputs } : undefined;
}

/**
 * Keeps a clean pass's answer for the stage (one memo a stage, replaced
 * whole), and its list's text beside it. `over`: the byte ranges in which
 * the text differs from the memo's text on disk, each as long as before (a
 * rerun after an edit: one hash for another); only those are written over
 * it, not the whole 9 MB of a 100,000-file list.
 */
export function keepListHash(
  file: string,
  files: readonly string[],
  stats: Float64Array,
  list: { bytes: Uint8Array; hash: string },
  over?: readonly (readonly [from: number, to: number])[],
): void {
  const head: Head = { format: FORMAT, list: listIdentity(files), inputs: list.hash, count: files.length };
  try {
    // The text first: a memo whose text is another list's finds its hash wrong and is not used for it.
    if (over === undefined || !writeOver(listFileOf(file), list.bytes, over))
      writeFileAtomic(listFileOf(file), [list.bytes]);
    writeFileAtomic(file, [Buffer.from(`${JSON.stringify(head)}\n`), bytesOf(stats)]);
  } catch {
    // A memo not written costs the next run its list, nothing else.
  }
}

/** Writes `bytes`' ranges `over` at the same places of `file`, a file as long as `bytes`; false when it could not. */
function writeOver(file: string, bytes: Uint8Array, over: readonly (readonly [number, number])[]): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r+');
    if (fs.fstatSync(fd).size !== bytes.length) return false;
    for (const [from, to] of over) fs.writeSync(fd, bytes, from, to - from, from);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The memo in `file`, when it is one for `files`. */
export function readPassMemo(file: string, files: readonly string[]): PassMemo | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const newline = bytes.indexOf(10);
  if (newline === -1) return undefined;
  let head: Partial<Head>;
  try {
    head = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Partial<Head>;
  } catch {
    return undefined;
  }
  if (head.format !== FORMAT || head.count !== files.length || typeof head.inputs !== 'string') return undefined;
  if (head.list !== listIdentity(files)) return undefined;
  return { file, head: head as Head, stats: bytes.subarray(newline + 1) };
}

/** Rows compared at once (memcmp) before the rows of a block that differs are compared one by one. */
const BLOCK_ROWS = 1024;

/** The rows whose FIELDS numbers differ bit for bit between `kept` and `stats`; undefined past `most`. */
function changedRows(kept: Buffer, stats: Float64Array, most: number): number[] | undefined {
  // Bit for bit: a missing file's NaN equals itself.
  const now = bytesOf(stats);
  const row = 8 * FIELDS;
  const rows = now.length / row;
  const changed: number[] = [];
  for (let block = 0; block < rows; block += BLOCK_ROWS) {
    const end = Math.min(rows, block + BLOCK_ROWS);
    if (kept.compare(now, block * row, end * row, block * row, end * row) === 0) continue;
    for (let i = block; i < end; i++) {
      if (kept.compare(now, i * row, (i + 1) * row, i * row, (i + 1) * row) === 0) continue;
      if (changed.push(i) > most) return undefined;
    }
  }
  return changed;
}

/** Where a memo keeps its list's text. */
function listFileOf(file: string): string {
  return file.replace(/\.bin$/, '.list');
}
