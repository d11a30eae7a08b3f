// What the stat cache knows of files: the entries it loaded, with the ones
// this run recorded over them (a hash read from a file, or told by the
// daemon, for the stat it had). A hash holds while the file's stat is the
// one recorded with it and was not racy (recorded-files.ts). A save merges
// the recorded entries into the loaded ones (merged).
import { isRacy, RecordedFiles } from './recorded-files.js';
import type { ListRecords } from './recorded-files.js';
import { mergeColumns } from './stat-cache-file.js';
import type { FileColumns } from './stat-cache-file.js';
import type { FileStat } from './stat-cache-types.js';
import type { LoadedCache } from './loaded-cache.js';
import { LoadedFiles } from './loaded-files.js';
import { FIELDS, statAt } from './stat-rows.js';
import { isRegularMode } from '../util/fs.js';

/** Where a file read during a long stat pass is recorded: its row of the pass's list. */
export interface ListRow {
  list: ListRecords;
  row: number;
}

/** How many hashes came from the entries (hits) and how many from reading a file (reads), this run. */
export interface HashCounts {
  hashHits: number;
  hashReads: number;
}

export class FileEntries {
  readonly #loaded: LoadedCache;
  /** Entries recorded since (they win over the loaded ones). */
  readonly #recorded = new RecordedFiles();
  readonly #now: () => number;
  readonly #counts: HashCounts;
  /** Hashes recorded for a stat that changed too recently to vouch for its content (isRacy). */
  #racyRecords = 0;
  #isDirty = false;

  constructor(loaded: LoadedCache, now: () => number, counts: HashCounts) {
    this.#loaded = loaded;
    this.#now = now;
    this.#counts = counts;
  }

  /** Racy hashes recorded so far: a pass is clean while this count stays where it was when the pass began. */
  get racyRecords(): number {
    return this.#racyRecords;
  }

  /** Whether something was recorded since the last save. */
  get isDirty(): boolean {
    return this.#isDirty;
  }

  /** The hash held for `relative` when it still holds for this stat. */
  freshHash(relative: string, st: FileStat): string | undefined {
    const recorded = this.#recorded.hashFor(relative, st);
    if (recorded !== undefined) return recorded ?? undefined;
    return this.#loaded.hashFor(relative, st);
  }

  /**
   * The hash held for file `i` of a long stat pass's answer `many` when it still holds, found by walking
   * the loaded entries in the pass's order. The lookup is made once a pass: with no entry at all (a first
   * run) it looks nothing up.
   */
  passLookup(): (file: string, many: Float64Array, i: number) => string | undefined {
    if (this.isEmpty()) return () => undefined;
    const loaded = this.#loaded.files;
    return (file, many, i) => {
      if (!this.#recorded.has(file)) return loaded.freshFrom(file, many, FIELDS * i);
      const st = statAt(many, i);
      return st && isRegularMode(st.mode) ? this.freshHash(file, st) : undefined;
    };
  }

  /** Whether no file has an entry: none loaded, none recorded since. */
  isEmpty(): boolean {
    return this.#loaded.files.columns.paths.length === 0 && this.#recorded.size === 0;
  }

  /** Indices of the files of `files` that have no entry. */
  unknownIn(files: readonly string[]): number[] {
    if (this.isEmpty()) return files.map((_, i) => i);
    const unknown: number[] = [];
    const loaded = this.#loaded.files;
    files.forEach((file, i) => {
      if (!this.#recorded.has(file) && loaded.indexOf(file) === undefined) unknown.push(i);
    });
    return unknown;
  }

  /** Where a long list's files read are recorded by their place in it (RecordedFiles.listFor). */
  listFor(files: readonly string[]): ListRecords | undefined {
    return this.#recorded.listFor(files);
  }

  /**
   * A hash just read from the file: counted, recorded (at its row of a long list's records, if given), and
   * returned. As hex, or as the digest's bytes when the reader has them (the worker's answer) and records
   * them at a row, so they are not encoded to hex and decoded again.
   */
  read<H extends string | Uint8Array>(relative: string, st: FileStat, hash: H, at?: ListRow, from?: number): H {
    this.#counts.hashReads++;
    this.record(relative, st, hash, at, from);
    return hash;
  }

  /**
   * Records `hash` for this stat. Racy when the file changed within the window before `from`, when its
   * read began (now, when the hash did not come from reading it): a write in the same tick as that change,
   * during the read, would leave the stat as it is and the hash stale.
   */
  record(relative: string, st: FileStat, hash: string | Uint8Array, at?: ListRow, from = this.#now()): void {
    const racy = isRacy(st.changedMs, from);
    if (racy) this.#racyRecords++;
    if (at) this.#recorded.setAt(at.list, at.row, st, hash, racy);
    else this.#recorded.set(relative, st, typeof hash === 'string' ? hash : hexOf(hash), racy);
    this.#isDirty = true;
  }

  /** The hash the loaded entries hold for `relative`, whatever its stat now. */
  heldHash(relative: string): string | undefined {
    return this.#loaded.heldHash(relative);
  }

  /** The entries recorded since the last save, as columns sorted by path (a frame of the log). */
  recordedSorted(): FileColumns {
    return this.#recorded.sorted();
  }

  /** The entries are as saved. */
  saved(): void {
    this.#isDirty = false;
  }

  /** The loaded entries with the recorded ones over them, as columns sorted by path; they become the loaded ones. */
  merged(): FileColumns {
    const loaded = this.#loaded.files;
    if (this.#recorded.size === 0) return loaded.columns;
    const merged = mergeColumns(loaded.columns, (file) => loaded.indexOf(file), this.#recorded.sorted());
    this.#recorded.clear();
    if (merged !== loaded.columns) this.#loaded.files = new LoadedFiles(merged);
    return merged;
  }
}

/** A digest's hex, read through a view of its bytes (a worker's digest is a view of the pass's shared answer). */
export function hexOf(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}
