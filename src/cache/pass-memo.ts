// The answer of a long list's last clean stat pass, kept across runs: the
// stats of every file (size, ctime, inode, mode; a missing file too) and
// the hash of the key's input list they gave, per stage. A run whose stat
// pass over the same list is byte for byte the same has the same list, so
// its key needs neither the hashes nor the 9 MB text of a 100,000-file list
// (a no-op in CI: about 90 ms less). Only a clean answer is kept: no hash in
// it came from a stat that changed too recently to vouch for its content
// (the stat cache's racy rule), so equal stats mean equal content. Deleting
// this module (and its uses in src/engine/pass-key.ts) builds every list again.
//
// Beside it (`.list`) the memo keeps the list's text: a run whose pass
// differs from the memo in a few files (a rerun after an edit), or whose
// list gained or lost a few (matched with the text's lines by path), takes
// the other files' lines from it and makes only those few again, instead
// of building the whole list (at 100,000 files: 100,000 hex hashes and
// pairs, and the 9 MB text). The text is used only when its sha256 is the
// list hash the memo keeps.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { listIdentity } from './list-identity.js';
import { FIELDS } from './stat-rows.js';
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

/** A stage's memo as read (readAnyPassMemo): its head and the stats it keeps. */
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
  const text = memoText(memo);
  return text === undefined ? undefined : { changed, text, hash: memo.head.inputs };
}

/**
 * The memo's list text, when its sha256 is the list hash the memo keeps:
 * for a pass whose stats are the memo's (keptListHash), the list itself.
 */
export function memoText(memo: PassMemo): Buffer | undefined {
  let text: Buffer;
  try {
    text = fs.readFileSync(listFileOf(memo.file));
  } catch {
    return undefined;
  }
  return sha256(text) === memo.head.inputs ? text : undefined;
}

/** A memo's list beside a pass over a list with files added or removed since (keptListAligned). */
export interface AlignedList {
  /** The memo's list text (inputsText), whose sha256 is the list hash the memo keeps. */
  text: Buffer;
  hash: string;
  /** Where each of the text's lines starts, and its end: one more than the memo's rows. */
  starts: Uint32Array;
  /** For each row of the new list, the memo's row of the same file, or -1 for a file the memo did not list. */
  from: Int32Array;
  /** The new list's rows whose lines are made anew (ascending): files added, and files whose stats are not the memo's. */
  fresh: number[];
}

/**
 * The memo's list aligned by path with `files` (sorted as the lists are),
 * a pass over which gave `stats`: when files were added or removed since,
 * and at most `most` of the new list's rows and the memo's differ (added,
 * removed, or stats not the memo's), the other lines are taken from the
 * memo's text. Undefined when more differ, or the text is not the memo's.
 */
export function keptListAligned(
  memo: PassMemo,
  files: readonly string[],
  stats: Float64Array,
  most: number,
): AlignedList | undefined {
  const rows = memo.head.count;
  // More files added or gone than `most`: not near, known before the text is read.
  if (memo.stats.length !== rows * ROW_BYTES || Math.abs(rows - files.length) > most) return undefined;
  const text = memoText(memo);
  if (text === undefined) return undefined;
  const starts = new Uint32Array(rows + 1);
  const from = new Int32Array(files.length).fill(-1);
  let differ = 0;
  let i = 0;
  let at = 0;
  for (let j = 0; j < rows; j++) {
    starts[j] = at;
    // The usual line: the new list's next file, as it is in the text, compared there without making a string of it.
    const next = files[i];
    const space = text.indexOf(32, at);
    const lineEnd = next === undefined || space === -1 ? -1 : rawLineEnd(text, at, space, next);
    if (lineEnd !== -1) {
      from[i++] = j;
      at = lineEnd + 1;
      continue;
    }
    const end = text.indexOf(10, at);
    if (end === -1 || space === -1 || space > end) return undefined;
    const file = listedFile(text, space + 1, end);
    if (file === undefined) return undefined;
    // Both lists are sorted alike: a file before this one in the new list is new.
    for (; i < files.length && (files[i] as string) < file; i++) if (++differ > most) return undefined;
    if (i < files.length && files[i] === file) from[i++] = j;
    else if (++differ > most) return undefined;
    at = end + 1;
  }
  if (at !== text.length) return undefined;
  starts[rows] = at;
  differ += files.length - i;
  const fresh = freshRows(memo.stats, stats, from, most - differ);
  return fresh === undefined ? undefined : { text, hash: memo.head.inputs, starts, from, fresh };
}

/**
 * Where the line at `at` of `text` ends (its newline), when its path, after
 * the space at `space`, is `file` written as it is (ASCII, neither quoted nor
 * holding a newline); else -1. At 100,000 lines, decoding each path to
 * compare it took most of a rerun's alignment after a file was added.
 */
function rawLineEnd(text: Buffer, at: number, space: number, file: string): number {
  const end = space + 1 + file.length;
  if (end >= text.length || text[end] !== 10 || file.charCodeAt(0) === 34) return -1;
  for (let k = at; k < space; k++) if (text[k] === 10) return -1;
  for (let k = 0; k < file.length; k++) {
    const c = file.charCodeAt(k);
    if (c === 10 || c > 127 || text[space + 1 + k] !== c) return -1;
  }
  return end;
}

/** The path of a list line whose path lies at [from, to) of `text`, as listedPath wrote it. */
function listedFile(text: Buffer, from: number, to: number): string | undefined {
  const file = text.toString('utf8', from, to);
  if (!file.startsWith('"')) return file;
  try {
    const parsed: unknown = JSON.parse(file);
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rows of the new list made anew (ascending): those the memo does not
 * list, and those whose stats differ bit for bit from the memo's row of
 * the same file (rows of a run that keeps its distance compared a block at
 * a time); undefined past `most` stats differing.
 */
function freshRows(kept: Buffer, stats: Float64Array, from: Int32Array, most: number): number[] | undefined {
  if (most < 0) return undefined;
  const now = bytesOf(stats);
  const fresh: number[] = [];
  let differ = 0;
  for (let i = 0; i < from.length; ) {
    const j = from[i] as number;
    if (j === -1) {
      fresh.push(i++);
      continue;
    }
    // A run of rows at the same distance from the memo's, up to BLOCK_ROWS long.
    let end = i + 1;
    while (end < from.length && end - i < BLOCK_ROWS && from[end] === j + (end - i)) end++;
    if (kept.compare(now, i * ROW_BYTES, end * ROW_BYTES, j * ROW_BYTES, (j + end - i) * ROW_BYTES) !== 0) {
      for (let k = i; k < end; k++) {
        const old = j + (k - i);
        if (kept.compare(now, k * ROW_BYTES, (k + 1) * ROW_BYTES, old * ROW_BYTES, (old + 1) * ROW_BYTES) === 0)
          continue;
        fresh.push(k);
        if (++differ > most) return undefined;
      }
    }
    i = end;
  }
  return fresh;
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
    for (const [from, to] of over) if (fs.writeSync(fd, bytes, from, to - from, from) !== to - from) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Each stage's memo as last read, by its file's identity: the daemon's next
 * run reads it again only once it was rewritten (always whole, under a new
 * inode: writeFileAtomic), not its 3 MB of stats per 100,000 files each time.
 */
const lastRead = new Map<string, { ino: number; size: number; changedMs: number; memo: PassMemo | undefined }>();

/** The memo in `file`, for whichever list it was kept. */
export function readAnyPassMemo(file: string): PassMemo | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st === undefined) return undefined;
  const last = lastRead.get(file);
  if (last !== undefined && last.ino === st.ino && last.size === st.size && last.changedMs === st.ctimeMs)
    return last.memo;
  const memo = readMemo(file);
  lastRead.set(file, { ino: st.ino, size: st.size, changedMs: st.ctimeMs, memo });
  return memo;
}

function readMemo(file: string): PassMemo | undefined {
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
  if (head.format !== FORMAT || !Number.isInteger(head.count) || typeof head.inputs !== 'string') return undefined;
  return { file, head: head as Head, stats: bytes.subarray(newline + 1) };
}

/** Whether `memo` was kept for the list `files` (the same paths, in the same order). */
export function isMemoFor(memo: PassMemo, files: readonly string[]): boolean {
  return memo.head.count === files.length && memo.head.list === listIdentity(files);
}

/** Rows compared at once (memcmp) before the rows of a block that differs are compared one by one. */
const BLOCK_ROWS = 1024;

/** The bytes of one file's stats in a memo (FIELDS numbers). */
const ROW_BYTES = 8 * FIELDS;

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
