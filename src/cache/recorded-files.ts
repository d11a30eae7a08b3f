// The file entries a run records (hashes it read, files it wrote), kept as
// columns like the loaded ones (stat-cache-file.ts), not a JS array per
// file: a cold run over a million files records a million entries, and an
// array with its numbers and a 64-character hex string costs about 200
// bytes of heap each, against 57 here. Files recorded one at a time are
// found through a map from path to row; the files of a long sorted list (a
// stat pass's) are recorded by their position in it, with no map entry at
// all, and leave as sorted columns for the stat cache's merge.
import { hashHexAt, hashIfHeld, isSorted, SortedPaths } from './loaded-files.js';
import type { FileColumns } from './stat-cache-file.js';
import { HASH_BYTES } from './stat-cache-types.js';

/** Lists this long are recorded by position (listFor) rather than file by file. */
export const LIST_MIN = 1024;

export interface Stat {
  size: number;
  changedMs: number;
  ino: number;
}

function columnsOf(rows: number): FileColumns {
  return {
    paths: new Array<string>(rows),
    nums: new Float64Array(3 * rows),
    hashes: Buffer.allocUnsafe(HASH_BYTES * rows),
    racy: new Uint8Array(rows),
  };
}

/**
 * Writes a file's stat, hash and raciness into row `row` of `columns`; the
 * hash as hex, or as its bytes when those are what the caller has (copied
 * one by one rather than decoded from hex, 100,000 times a cold run).
 */
function putRow(columns: FileColumns, row: number, stat: Stat, hash: string | Uint8Array, isRacy: boolean): void {
  columns.nums[3 * row] = stat.size;
  columns.nums[3 * row + 1] = stat.changedMs;
  columns.nums[3 * row + 2] = stat.ino;
  if (typeof hash !== 'string')
    for (let k = 0, at = HASH_BYTES * row; k < HASH_BYTES; k++) columns.hashes[at + k] = hash[k] as number;
  else columns.hashes.write(hash, HASH_BYTES * row, HASH_BYTES, 'hex');
  columns.racy[row] = isRacy ? 1 : 0;
}

/** For row `row`: its hash when the entry holds for this stat (and was not racy), else null. */
function hashIfHolds(columns: FileColumns, row: number, st: Stat): string | null {
  return hashIfHeld(columns, row, st.size, st.changedMs, st.ino) ?? null;
}

/** The files of one sorted list recorded by position: row i is the list's file i, once set. */
export class ListRecords {
  readonly files: readonly string[];
  readonly columns: FileColumns;
  readonly isSet: Uint8Array;
  count = 0;
  /** The list's files, found in a step when asked in list order. */
  readonly #paths: SortedPaths;

  constructor(files: readonly string[]) {
    this.files = files;
    // Its paths are the list's files.
    this.columns = { ...columnsOf(files.length), paths: [] };
    this.isSet = new Uint8Array(files.length);
    this.#paths = new SortedPaths(files);
  }

  /** The row of `file` when it is set, else -1. */
  rowOf(file: string): number {
    const at = this.#paths.seek(file);
    return at !== undefined && this.isSet[at] === 1 ? at : -1;
  }

  unset(row: number): void {
    if (row < 0 || this.isSet[row] !== 1) return;
    this.isSet[row] = 0;
    this.count--;
  }
}

export class RecordedFiles {
  readonly #slots = new Map<string, number>();
  /** The rows of files recorded one at a time (slot order). */
  #single = columnsOf(256);
  #lists: ListRecords[] = [];
  /** sorted()'s answer, until the next record. */
  #sorted: FileColumns | undefined;

  get size(): number {
    let size = this.#slots.size;
    for (const list of this.#lists) size += list.count;
    return size;
  }

  has(file: string): boolean {
    if (this.#slots.size > 0 && this.#slots.has(file)) return true;
    const lists = this.#lists;
    for (let k = 0; k < lists.length; k++) if ((lists[k] as ListRecords).rowOf(file) !== -1) return true;
    return false;
  }

  /** Records (or records again) `file` with its stat and sha256 (hex). */
  set(file: string, stat: Stat, hash: string, isRacy: boolean): void {
    for (const list of this.#lists) list.unset(list.rowOf(file));
    let slot = this.#slots.get(file);
    if (slot === undefined) {
      slot = this.#slots.size;
      this.#reserve(slot + 1);
      this.#slots.set(file, slot);
      this.#single.paths[slot] = file;
    }
    putRow(this.#single, slot, stat, hash, isRacy);
    this.#sorted = undefined;
  }

  /**
   * Where the files of `files` (sorted, as a stat pass's list is) can be
   * recorded by position: undefined for a short or unsorted list, which
   * records file by file.
   */
  listFor(files: readonly string[]): ListRecords | undefined {
    const known = this.#lists.find((list) => list.files === files);
    if (known || files.length < LIST_MIN || !isSorted(files)) return known;
    const list = new ListRecords(files);
    this.#lists.push(list);
    return list;
  }

  /** set() of file `row` of `list`'s files (its hash as hex, or as its bytes). */
  setAt(list: ListRecords, row: number, stat: Stat, hash: string | Uint8Array, isRacy: boolean): void {
    const file = list.files[row] as string;
    if (this.#slots.size > 0 && this.#slots.has(file)) this.#forget(file);
    if (this.#lists.length > 1) for (const other of this.#lists) if (other !== list) other.unset(other.rowOf(file));
    if (list.isSet[row] !== 1) {
      list.isSet[row] = 1;
      list.count++;
    }
    putRow(list.columns, row, stat, hash, isRacy);
    this.#sorted = undefined;
  }

  /**
   * For a recorded file: its hash when the entry holds for this stat (and
   * was not racy), else null. Undefined when the file is not recorded.
   */
  hashFor(file: string, st: Stat): string | null | undefined {
    const slot = this.#slots.get(file);
    if (slot !== undefined) return hashIfHolds(this.#single, slot, st);
    for (const list of this.#lists) {
      const row = list.rowOf(file);
      if (row !== -1) return hashIfHolds(list.columns, row, st);
    }
    return undefined;
  }

  /** The hash recorded for `file`, whatever its stat now; undefined when it is not recorded. */
  heldHash(file: string): string | undefined {
    const slot = this.#slots.get(file);
    if (slot !== undefined) return hashHexAt(this.#single, slot);
    for (const list of this.#lists) {
      const row = list.rowOf(file);
      if (row !== -1) return hashHexAt(list.columns, row);
    }
    return undefined;
  }

  /** Every entry recorded, as columns sorted by path (each file once). */
  sorted(): FileColumns {
    if (this.#sorted) return this.#sorted;
    const order = [...this.#slots.keys()].sort();
    let sorted = columnsOf(order.length);
    order.forEach((file, k) => {
      sorted.paths[k] = file;
      copyRow(this.#single, this.#slots.get(file) ?? 0, sorted, k);
    });
    for (const list of this.#lists) sorted = mergeSorted(sorted, setRows(list));
    this.#sorted = sorted;
    return sorted;
  }

  clear(): void {
    this.#slots.clear();
    this.#lists = [];
    this.#sorted = undefined;
  }

  /** Drops a file recorded one at a time (the last slot moves into its place). */
  #forget(file: string): void {
    const slot = this.#slots.get(file) as number;
    const last = this.#slots.size - 1;
    const lastFile = this.#single.paths[last] as string;
    this.#slots.delete(file);
    if (slot === last) return;
    copyRow(this.#single, last, this.#single, slot);
    this.#single.paths[slot] = lastFile;
    this.#slots.set(lastFile, slot);
  }

  #reserve(slots: number): void {
    const old = this.#single;
    if (slots <= old.racy.length) return;
    const grown = columnsOf(Math.max(slots, old.racy.length * 2));
    for (let row = 0; row < old.racy.length; row++) {
      grown.paths[row] = old.paths[row] as string;
      copyRow(old, row, grown, row);
    }
    this.#single = grown;
  }
}

/** The rows of `list` that are set, as columns (already in path order): its own when every row is. */
function setRows(list: ListRecords): FileColumns {
  if (list.count === list.files.length) return { ...list.columns, paths: list.files as string[] };
  const out = columnsOf(list.count);
  let k = 0;
  for (let row = 0; row < list.files.length; row++) {
    if (list.isSet[row] !== 1) continue;
    out.paths[k] = list.files[row] as string;
    copyRow(list.columns, row, out, k++);
  }
  return out;
}

/**
 * Two sets of columns sorted by path, merged into one sorted by path; a
 * file in both takes its row from `over`. Each side's rows between two of
 * the other's go over in one copy (found by a galloping search): merging
 * a run's few files or directories into 100,000 took a copy per row.
 */
export function mergeSorted(under: FileColumns, over: FileColumns): FileColumns {
  const [a, b] = [under.paths, over.paths];
  if (b.length === 0) return under;
  if (a.length === 0) return over;
  const out = columnsOf(a.length + b.length);
  let [i, j, k] = [0, 0, 0];
  while (i < a.length || j < b.length) {
    const untilA = j < b.length ? firstNotBefore(a, i, b[j] as string) : a.length;
    k = copyRows(under, i, untilA, out, k);
    i = untilA;
    if (i < a.length && j < b.length && a[i] === b[j]) i++;
    const untilB = i < a.length ? firstNotBefore(b, j, a[i] as string) : b.length;
    k = copyRows(over, j, untilB, out, k);
    j = untilB;
  }
  if (k === out.paths.length) return out;
  return {
    paths: out.paths.slice(0, k),
    nums: out.nums.subarray(0, 3 * k),
    hashes: out.hashes.subarray(0, HASH_BYTES * k),
    racy: out.racy.subarray(0, k),
  };
}

/** The first index from `from` whose path is not before `path` (paths sorted): a gallop, then a halving search. */
function firstNotBefore(paths: readonly string[], from: number, path: string): number {
  let low = from;
  let step = 1;
  let high = from;
  while (high < paths.length && (paths[high] as string) < path) {
    low = high + 1;
    high = from + step;
    step *= 2;
  }
  high = Math.min(high, paths.length);
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((paths[mid] as string) < path) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Rows from..to of `columns` copied to `into` from row `at`; the row after them. */
function copyRows(columns: FileColumns, from: number, to: number, into: FileColumns, at: number): number {
  if (to - from < 8) {
    for (let row = from; row < to; row++, at++) {
      into.paths[at] = columns.paths[row] as string;
      copyRow(columns, row, into, at);
    }
    return at;
  }
  for (let row = from, k = at; row < to; row++, k++) into.paths[k] = columns.paths[row] as string;
  into.nums.set(columns.nums.subarray(3 * from, 3 * to), 3 * at);
  into.hashes.set(columns.hashes.subarray(HASH_BYTES * from, HASH_BYTES * to), HASH_BYTES * at);
  into.racy.set(columns.racy.subarray(from, to), at);
  return at + (to - from);
}

/**
 * Copies row `from` of `columns` to row `to` of `into`, value by value: at
 * 100,000 rows, subarray() and Buffer.copy() per row cost more than the
 * copying.
 */
export function copyRow(columns: FileColumns, from: number, into: FileColumns, to: number): void {
  const { nums, hashes } = columns;
  into.nums[3 * to] = nums[3 * from] as number;
  into.nums[3 * to + 1] = nums[3 * from + 1] as number;
  into.nums[3 * to + 2] = nums[3 * from + 2] as number;
  const target = into.hashes;
  for (let b = 0; b < HASH_BYTES; b++) target[HASH_BYTES * to + b] = hashes[HASH_BYTES * from + b] as number;
  into.racy[to] = columns.racy[from] ?? 0;
}

// An entry is "racy" when the file (or directory) may have changed again within the
// timestamp resolution after we hashed it: then size and ctime could match
// while the content differs. A time in whole seconds is a filesystem that
// keeps no finer ones (ext3, HFS+; FAT's are 2 s): a two-second window.
// Finer ones still come from the kernel's clock tick (1 to 10 ms: many land
// on a whole millisecond), so twice the longest tick.
export const RACY_WINDOW_FINE_MS = 20;
const RACY_WINDOW_COARSE_MS = 2000;

export function isRacy(changedMs: number, recordedAtMs: number): boolean {
  const window = changedMs % 1000 === 0 ? RACY_WINDOW_COARSE_MS : RACY_WINDOW_FINE_MS;
  return recordedAtMs - changedMs < window;
}
