// The file entries a stat cache loaded: columns sorted by path
// (stat-cache-file.ts), found by binary search rather than through a map
// of every path, which cost 40 ms to build at 100,000 files and about as
// much heap as the columns. A run's long lists of inputs come sorted too,
// and are looked up by walking forward from the last answer.
import { isRegularMode } from '../util/fs.js';
import type { FileColumns } from './stat-cache-file.js';
import { HASH_BYTES } from './stat-cache-types.js';
import { lowerBound } from '../util/sorted.js';

/** How far seek() walks forward before it searches. */
const SEEK_STEPS = 8;

/**
 * Finds paths in a sorted array by binary search, and those asked in
 * sorted order by stepping forward from the last answer: the loaded
 * entries' paths, or a long stat pass's list (recorded-files.ts).
 */
export class SortedPaths {
  readonly paths: readonly string[];
  /** Where the last seek() ended: the next sorted lookup starts there. */
  #cursor = 0;

  constructor(paths: readonly string[]) {
    this.paths = paths;
  }

  /** The row of `file`, or undefined. */
  indexOf(file: string): number | undefined {
    const at = lowerBound(this.paths, file);
    return this.paths[at] === file ? at : undefined;
  }

  /**
   * indexOf() for files asked in sorted order: a step or two forward from the
   * last answer, else a search (from there, or from the start for a file
   * before it: a new sorted list); the answer is where the next one starts.
   */
  seek(file: string): number | undefined {
    const { paths } = this;
    let at = this.#cursor;
    // The usual case, a list asked again as it was loaded: one comparison.
    if (paths[at] === file) {
      this.#cursor = at + 1;
      return at;
    }
    // The file asked last, asked again (whether its hash is fresh, then the hash).
    if (at > 0 && paths[at - 1] === file) return at - 1;
    if (at > 0 && (paths[at - 1] as string) > file) at = lowerBound(paths, file);
    else {
      const stop = Math.min(paths.length, at + SEEK_STEPS);
      while (at < stop && (paths[at] as string) < file) at++;
      if (at === stop && at < paths.length && (paths[at] as string) < file) at = lowerBound(paths, file, at);
    }
    const isFound = paths[at] === file;
    this.#cursor = isFound ? at + 1 : at;
    return isFound ? at : undefined;
  }
}

/** Row `i`'s hash (hex) in `columns`. */
export function hashHexAt(columns: FileColumns, i: number): string {
  return columns.hashes.toString('hex', HASH_BYTES * i, HASH_BYTES * i + HASH_BYTES);
}

/**
 * Row `i`'s hash (hex) when its file still has this size, ctime and inode
 * and the entry was not racy; else undefined.
 */
export function hashIfHeld(
  columns: FileColumns,
  i: number,
  size: number,
  changedMs: number,
  ino: number,
): string | undefined {
  const { nums, racy } = columns;
  if (nums[3 * i] !== size || nums[3 * i + 1] !== changedMs || nums[3 * i + 2] !== ino || racy[i] === 1)
    return undefined;
  return hashHexAt(columns, i);
}

/** Columns known to be sorted by path (checked once, or merged from two that were): not checked again. */
const sortedColumns = new WeakSet<FileColumns>();

/** Marks columns made sorted by construction (a merge of sorted ones), so that loading them checks nothing. */
export function knownSorted(columns: FileColumns): FileColumns {
  sortedColumns.add(columns);
  return columns;
}

export class LoadedFiles {
  readonly columns: FileColumns;
  readonly #paths: SortedPaths;

  /** `columns` sorted by path; entries out of order would not be found (only a re-hash), so they are dropped. */
  constructor(columns: FileColumns) {
    this.columns =
      sortedColumns.has(columns) || isSorted(columns.paths)
        ? knownSorted(columns)
        : { paths: [], nums: new Float64Array(0), hashes: Buffer.alloc(0), racy: new Uint8Array(0) };
    this.#paths = new SortedPaths(this.columns.paths);
  }

  /** The row of `file`, or undefined. */
  indexOf(file: string): number | undefined {
    return this.#paths.indexOf(file);
  }

  /** indexOf() for files asked in sorted order (SortedPaths.seek). */
  seek(file: string): number | undefined {
    return this.#paths.seek(file);
  }

  /**
   * The hash of `file` (asked in sorted order, see seek) when it is a regular
   * file whose stat, at `at` in `stats` (size, changedMs, ino, mode), is the one loaded.
   */
  freshFrom(file: string, stats: Float64Array, at: number): string | undefined {
    if (!isRegularMode(stats[at + 3] as number)) return undefined;
    const row = this.seek(file);
    return row === undefined
      ? undefined
      : this.hashIf(row, stats[at] as number, stats[at + 1] as number, stats[at + 2] as number);
  }

  /** Row `i`'s hash (hex). */
  hashAt(i: number): string {
    return hashHexAt(this.columns, i);
  }

  /** Row `i`'s hash (hex) when the file still has this size, ctime and inode and the entry was not racy. */
  hashIf(i: number, size: number, changedMs: number, ino: number): string | undefined {
    return hashIfHeld(this.columns, i, size, changedMs, ino);
  }
}

export function isSorted(paths: readonly string[]): boolean {
  for (let i = 1; i < paths.length; i++) if ((paths[i - 1] as string) >= (paths[i] as string)) return false;
  return true;
}
