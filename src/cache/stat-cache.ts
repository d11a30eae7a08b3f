// Memoised file hashes and directory listings, persisted between runs.
//
// A file's hash is reused while (size, ctime, inode) are unchanged, so a
// no-op run reads no file content and `touch` costs one re-hash, not a
// rerun. A directory's listing is reused while its ctime and inode are
// unchanged (adding, removing or renaming an entry changes the directory's
// ctime), as git's untracked cache does. The change time (ctime), not the
// modification time: the kernel sets it at every change of content, mode,
// links or times, and no program can set it back, where `touch -d`,
// `cp -p`, `tar` and `rsync --inplace -t` set an mtime; a same-size edit
// whose mtime was put back is still seen. (A chmod or a new hard link
// changes it too: that file is hashed again, its key unchanged.)
import path from 'node:path';
import { isRegularMode } from '../util/fs.js';
import { directoriesOf } from '../util/sorted.js';
import { hashFileSync, hashUnstatedSync, lastWholeFile } from './hash-file.js';
import { HashColumn } from './hash-column.js';
import { KeptBytes } from './kept-bytes.js';
import { hashWithHasher } from './parallel-hasher.js';
import type { FileStat, HashHelp, Listing, StatCacheOptions } from './stat-cache-types.js';
import { StatCacheDisk } from './stat-cache-disk.js';
import { mergeColumns } from './stat-cache-file.js';
import type { FileColumns } from './stat-cache-file.js';
import { DirListings } from './dir-listings.js';
import { isRacy, LIST_MIN, RecordedFiles } from './recorded-files.js';
import type { ListRecords } from './recorded-files.js';
import { FIELDS, putStat, STAT_BESIDE_MIN, StatPass, statAt, UNSTATED } from './stat-beside.js';
import type { SpareStatWorker } from './stat-beside.js';
import { LaterHashes } from './later-hashes.js';
import { statFollowed } from './raw-lstat.js';
import { LoadedFiles } from './loaded-files.js';
import { LoadedCache } from './loaded-cache.js';
import { DerivedLists } from './derived-lists.js';

export type { FileStat, HashHelp, Listing, StatCacheOptions } from './stat-cache-types.js';
export { isRacy } from './recorded-files.js';
export type { LaterHashes } from './later-hashes.js';

/**
 * A stat pass that reads this many files or more saves the cache once
 * their hashes are in, not only at the run's end: a run killed while its
 * items run on (for minutes, after a checkout or a first run) then
 * resumes without reading them again. Its end saves only what came after.
 */
const SAVE_AFTER_READS = STAT_BESIDE_MIN;

/** StatCache.openPass's answer. */
export interface OpenPass {
  /** FIELDS numbers per file (stat-beside.ts). */
  stats: Float64Array;
  hashes(): readonly (string | undefined)[];
  /** The hash of file `i` alone, as hashes() would answer it (a few files whose stat changed: keptListNear). */
  hashAt(i: number): string | undefined;
  /**
   * Whether every hash answered so far holds for these stats in any later run: each came from an entry
   * the stat cache vouched for, or from reading a file whose ctime is older than the racy window (a file
   * edited again within its timestamp's resolution could keep its stat with other bytes).
   */
  isClean(): boolean;
  end(): void;
}

/** Where a file read during a long stat pass is recorded: its row of the pass's list. */
interface ListRow {
  list: ListRecords;
  row: number;
}

export class StatCache {
  readonly #root: string;
  readonly #file: string | undefined;
  readonly #now: () => number;
  readonly #help: HashHelp;
  #spare: SpareStatWorker | undefined;
  #startSpare: (() => SpareStatWorker | undefined) | undefined;
  /** The entries, listings and derived lists as loaded, each decoded when first needed. */
  readonly #loaded: LoadedCache;
  /** Entries recorded since (they win over the loaded ones). */
  readonly #recorded = new RecordedFiles();
  #listingsMade: DirListings | undefined;
  #derivedMade: DerivedLists | undefined;
  #isDirty = false;
  readonly #disk: StatCacheDisk | undefined;
  /** What the daemon was last told to watch (HashHelp.watch). */
  #watched: FileColumns | undefined;
  /** Hashes recorded for a stat that changed too recently to vouch for its content (isRacy). */
  #racyRecords = 0;
  /** Long passes whose hashes are still being taken in (hashAllLater's, not ended). */
  readonly #laterOpen = new Set<LaterHashes>();
  /** The file and its log as loaded or last saved (StatCacheDisk.onDisk). */
  #onDisk = '';
  /** Who is told of damage found in the file: the run using the cache (undefined between the daemon's runs). */
  #onBadFile: ((message: string) => void) | undefined;
  /** Damage found while no run was told (#sayBad). */
  readonly #unsaid: string[] = [];
  /** Whether a long list's pass may take what the daemon vouches for: until the run writes in the workspace (endVouching). */
  #isVouching = true;
  /** One file's stat, as hashUnstatedSync puts it. */
  readonly #one = new Float64Array(FIELDS);
  /** Statistics of this run: how many hashes came from the cache and how many read a file. */
  readonly counts = { hashHits: 0, hashReads: 0, dirHits: 0, dirReads: 0, filesVouched: 0 };

  /** `file` undefined keeps everything in memory (tests, --no-cache). */
  constructor(options: StatCacheOptions) {
    this.#root = options.root;
    this.#help = options.help ?? {};
    this.#spare = options.spare;
    this.#startSpare = options.startSpare;
    this.#file = options.file;
    this.#now = options.now ?? Date.now;
    this.#disk = options.file === undefined ? undefined : new StatCacheDisk(options.file);
    this.#onDisk = this.#disk?.onDisk ?? '';
    this.#onBadFile = options.onBadFile;
    this.#loaded = this.#disk?.load((message) => this.#sayBad(message)) ?? LoadedCache.empty();
  }

  /**
   * Why a part of the file cannot be used, found as it loads or later, as its bytes are first read: said
   * to the run using the cache now. Found with no run to tell (the daemon reading the file again between
   * runs), it is said to the next run that takes the cache over (forRun).
   */
  #sayBad(message: string): void {
    if (this.#onBadFile) this.#onBadFile(message);
    else this.#unsaid.push(message);
  }

  /** The cache the daemon kept from its last run while its file is as it left it (another run rewrites it), else read. */
  static forRun(options: StatCacheOptions): StatCache {
    const kept = options.help?.kept;
    const last = kept?.stats;
    if (last && last.#file === options.file && last.#root === options.root && last.isAsSaved()) {
      for (const key of Object.keys(last.counts) as (keyof StatCache['counts'])[]) last.counts[key] = 0;
      last.#isVouching = true;
      last.#onBadFile = options.onBadFile;
      if (options.onBadFile) for (const message of last.#unsaid.splice(0)) options.onBadFile(message);
      return last;
    }
    const stats = new StatCache(options);
    if (kept) Object.assign(kept, { stats, options });
    return stats;
  }

  /**
   * A walk has found STAT_BESIDE_MIN files or more: the long pass that will
   * stat them gets its worker started now, while the walk goes on, unless
   * one was started ahead (a cold run's stat cache holds no file to tell it).
   */
  expectLongPass(): void {
    const start = this.#startSpare;
    this.#startSpare = undefined;
    this.#spare ??= start?.();
  }

  /**
   * A stage of the run is about to write in the workspace (run, or restore its outputs): the events of
   * its writes may not have reached the daemon's log when a later stage is keyed, so from now on every
   * long list is stat'ed whole.
   */
  endVouching(): void {
    this.#isVouching = false;
  }

  /** Whether its file is as this cache loaded or last saved it (no other process's run rewrote it since). */
  isAsSaved(): boolean {
    return this.#onDisk === this.#disk?.onDisk;
  }

  get root(): string {
    return this.#root;
  }

  /** The directory the cache is kept in, for memos kept beside it; undefined when kept in memory only. */
  get stateDir(): string | undefined {
    return this.#file === undefined ? undefined : path.dirname(this.#file);
  }

  now(): number {
    return this.#now();
  }

  /** Plain concatenation: the kernel resolves `..`, and path.resolve costs more than the stat. */
  absolute(relative: string): string {
    return relative.startsWith('/') ? relative : `${this.#root}/${relative}`;
  }

  /** stat() of a workspace-relative path (a link followed), undefined if missing: lstat first, a fifth cheaper. */
  stat(relative: string): FileStat | undefined {
    return statFollowed(this.absolute(relative));
  }

  /** Whether the memoised hash of `relative` still holds for this stat. */
  isFresh(relative: string, st: FileStat): boolean {
    return this.#freshHash(relative, st) !== undefined;
  }

  /** The memoised hash of `relative` when it still holds for this stat (not racy); else undefined. */
  freshHash(relative: string, st: FileStat): string | undefined {
    return this.#freshHash(relative, st);
  }

  /** The memoised hash of `relative` when it still holds for this stat. */
  #freshHash(relative: string, st: FileStat): string | undefined {
    const recorded = this.#recorded.hashFor(relative, st);
    if (recorded !== undefined) return recorded ?? undefined;
    return this.#loaded.hashFor(relative, st);
  }

  /** Content hash of a file, read only when its stat changed. Undefined when missing or not a file. */
  hash(relative: string, known?: FileStat): string | undefined {
    const st = known ?? this.stat(relative);
    if (!st || !isRegular(st)) return undefined;
    const fresh = this.#freshHash(relative, st);
    if (fresh !== undefined) {
      this.counts.hashHits++;
      return fresh;
    }
    return this.#readFile(relative, st, this.#help.known?.(this.absolute(relative), st));
  }

  /** The file's hash read and recorded (or `known`, the daemon's hash of this stat); undefined when unreadable. */
  #readFile(relative: string, st: FileStat, known?: string, at?: ListRow): string | undefined {
    try {
      const from = this.#now();
      return this.#read(relative, st, known ?? hashFileSync(this.absolute(relative), st.size), at, from);
    } catch {
      return undefined;
    }
  }

  /** hash() of many files; the changed ones read on two threads (the stat pass's, or the daemon's hasher's). */
  hashAll(files: readonly string[]): readonly (string | undefined)[] {
    if (files.length >= STAT_BESIDE_MIN) return hashesNow(this.#passOver(files));
    this.#loaded.willSearch(files.length);
    const hasher = this.#help.hasher;
    // Stat'ed here one at a time, each Stats object dies young.
    if (!hasher?.isUsable) return files.map((file) => this.hash(file));
    // The other thread's reads start after this.
    const from = this.#now();
    return hashWithHasher(hasher, files, {
      stat: (file) => this.stat(file),
      isKnown: (file, st) => this.isFresh(file, st) || this.#help.known?.(this.absolute(file), st) !== undefined,
      hash: (file, st) => this.hash(file, st),
      absolute: (file) => this.absolute(file),
      record: (file, st, hash) => this.#read(file, st, hash, undefined, from),
    });
  }

  /**
   * hashAll of a long list, but when `min` or more of its files must be read, the stat pass's worker reads
   * them while the caller goes on: their hashes are undefined until `later.through(n)` puts the first n in.
   * `keep`: the bytes read are kept for the caller while it needs them (`later.kept`, kept-bytes.ts).
   */
  hashAllLater(files: readonly string[], min: number, keep = false): PassAnswer {
    return files.length >= STAT_BESIDE_MIN ? this.#passOver(files, min, keep) : { hashes: this.hashAll(files) };
  }

  /**
   * A long list's stat pass, its hashes answered when asked (hashAll's answer), or never when the caller
   * knows them already (a memo of a clean answer for these very stats; end() then). Undefined for a short list.
   */
  openPass(files: readonly string[]): OpenPass | undefined {
    if (files.length < STAT_BESIDE_MIN) return undefined;
    const pass = this.#statPass(files);
    const racyBefore = this.#racyRecords;
    let hashes: readonly (string | undefined)[] | undefined;
    return {
      stats: pass.stats,
      hashes: () => {
        hashes ??= hashesNow(this.#answerPass(files, pass));
        return hashes;
      },
      hashAt: (i) => {
        const st = statAt(pass.stats, i);
        return st && isRegular(st) ? this.hash(files[i] as string, st) : undefined;
      },
      isClean: () => this.#racyRecords === racyBefore,
      end: () => pass.end(),
    };
  }

  /**
   * hash() of many files, stat'ed on two threads, an unchanged file found by walking the loaded entries in
   * order; the changed ones read on two threads too (or later), unless the daemon knows them.
   */
  #passOver(files: readonly string[], laterFrom = Number.POSITIVE_INFINITY, keep = false): PassAnswer {
    // Files this cache knows nothing of are read whatever their stat: the hash pass stats them as it reads them.
    const unknown = Number.isFinite(laterFrom) ? this.#unknownIn(files) : [];
    const isLater = unknown.length >= laterFrom;
    const pass = this.#statPass(files, isLater ? unknown : undefined);
    return this.#answerPass(files, pass, isLater, isLater && keep);
  }

  /**
   * The stat pass of a long list: of the files the daemon's events say something happened to, when
   * it can vouch for the others (HashHelp.changes), else of every file; kept for the next run.
   */
  #statPass(files: readonly string[], unstated?: readonly number[]): StatPass {
    const changes = this.#isVouching ? this.#help.changes?.() : undefined;
    // Files to read whatever their stat (a map that never ran here): the hash pass wants the worker a whole pass starts.
    const basis = unstated !== undefined && unstated.length > 0 ? undefined : changes?.since(files);
    const pass = new StatPass(files, undefined, `${this.#root}/`, unstated, basis ? undefined : this.#spare, basis);
    if (basis) this.counts.filesVouched += files.length - basis.stale.length;
    // With files left for the hash pass to stat, the stats are not all in yet.
    if (unstated === undefined || unstated.length === 0) changes?.keep(files, pass.stats, pass.links);
    return pass;
  }

  /**
   * The hashes of a stat pass's files (see #passOver); the pass ended unless they are to be read later,
   * when they come in a column (hash-column.ts) rather than as a string each.
   */
  #answerPass(files: readonly string[], pass: StatPass, isLater = false, keep = false): PassAnswer {
    let later: LaterHashes | undefined;
    let kept: KeptBytes | undefined;
    try {
      const many = pass.stats;
      const found = this.#fromStats(files, many);
      const { toRead } = found;
      const hashes = isLater ? HashColumn.of(found.hashes) : found.hashes;
      const put =
        hashes instanceof HashColumn
          ? (i: number, hash: string | Uint8Array | undefined) => hashes.set(i, hash)
          : (i: number, hash: string | Uint8Array | undefined) => {
              hashes[i] = hash === undefined || typeof hash === 'string' ? hash : hexOf(hash);
            };
      // Many files read are recorded by their place in the list, not one map entry each; let go of when
      // the pass ends (the recorded entries keep what they hold of it; the closures here outlive the pass).
      let list = toRead.length >= LIST_MIN ? this.#recorded.listFor(files) : undefined;
      const hashHere = (i: number): void => {
        const file = files[i] as string;
        let st = statAt(many, i) as FileStat | undefined;
        const at = list && { list, row: i };
        let hash: string | undefined;
        if (st?.size === UNSTATED) {
          // One the pass left unstated is read through one descriptor, its stat put in the pass's answer as
          // the worker puts it; one that is not a regular file, or cannot be read, is stat'ed by its path.
          const from = this.#now();
          const got = hashUnstatedSync(this.absolute(file), this.#one);
          if (typeof got === 'string') {
            many.set(this.#one, FIELDS * i);
            hash = this.#read(file, statAt(many, i) as FileStat, got, at, from);
          } else st = putStat(many, i, this.stat(file));
        }
        if (st?.size !== UNSTATED) hash = st && isRegular(st) ? this.#readFile(file, st, undefined, at) : undefined;
        put(i, hash);
        const bytes = kept && hash !== undefined ? lastWholeFile() : undefined;
        if (bytes) kept?.keepHere(i, bytes);
      };
      // The other thread's reads start after this.
      const from = this.#now();
      const turns = pass.hashLater(
        toRead,
        hashHere,
        (i, digest) => {
          // Into a row of a long pass's list the digest's bytes go as they are; a file recorded on its own takes hex.
          const at = list && { list, row: i };
          put(i, this.#read(files[i] as string, statAt(many, i) as FileStat, at ? digest : hexOf(digest), at, from));
        },
        keep ? (hasWorker) => (kept = new KeptBytes(toRead, hasWorker)) : undefined,
      );
      const isMany = toRead.length >= SAVE_AFTER_READS;
      if (hashes instanceof HashColumn) {
        const racyBefore = this.#racyRecords;
        const open = this.#laterOpen;
        const opened: LaterHashes = new LaterHashes(toRead, turns, pass, () => this.#racyRecords === racyBefore, {
          done: isMany ? () => this.#saveEarly() : undefined,
          end: () => {
            open.delete(opened);
            list = undefined;
          },
          kept,
        });
        open.add(opened);
        later = opened;
        return { hashes, later };
      }
      turns.through(toRead.length);
      if (isMany) this.#saveEarly();
      return { hashes };
    } finally {
      if (!later) pass.end();
    }
  }

  /**
   * The hashes a stat pass's answer vouches for (undefined for the others), and the files to read: the
   * regular files that changed (or that the pass left unstated), but those the daemon hashed since.
   */
  #fromStats(files: readonly string[], many: Float64Array): { hashes: (string | undefined)[]; toRead: number[] } {
    const toRead: number[] = [];
    const loaded = this.#loaded.files;
    // A cache that knows no file (a first run) looks none up.
    const isEmpty = this.#isEmpty();
    const hashes = files.map((file, i) => {
      // Left unstated for the hash pass (a file this cache does not know, as on a first run): read, nothing to look up.
      if (many[FIELDS * i] === UNSTATED) {
        toRead.push(i);
        return undefined;
      }
      const fresh = isEmpty
        ? undefined
        : this.#recorded.has(file)
          ? this.#freshAt(file, many, i)
          : loaded.freshFrom(file, many, FIELDS * i);
      if (fresh !== undefined) {
        this.counts.hashHits++;
        return fresh;
      }
      const st = statAt(many, i);
      if (st && isRegular(st)) {
        const known = this.#help.known?.(this.absolute(file), st);
        if (known !== undefined) return this.#read(file, st, known);
        toRead.push(i);
      }
      return undefined;
    });
    return { hashes, toRead };
  }

  /** Whether this cache holds no file's entry: none loaded, none recorded since. */
  #isEmpty(): boolean {
    return this.#loaded.files.columns.paths.length === 0 && this.#recorded.size === 0;
  }

  /** Indices of the files of `files` this cache holds no entry for. */
  #unknownIn(files: readonly string[]): number[] {
    if (this.#isEmpty()) return files.map((_, i) => i);
    const unknown: number[] = [];
    const loaded = this.#loaded.files;
    files.forEach((file, i) => {
      if (!this.#recorded.has(file) && loaded.indexOf(file) === undefined) unknown.push(i);
    });
    return unknown;
  }

  /** Records a hash we computed while writing the file ourselves (saves reading it back). */
  remember(relative: string, hash: string): void {
    const st = this.stat(relative);
    if (st) this.#record(relative, st, hash);
  }

  /** #freshHash of file `i` of a stat pass's answer `many`. */
  #freshAt(file: string, many: Float64Array, i: number): string | undefined {
    const st = statAt(many, i);
    return st && isRegular(st) ? this.#freshHash(file, st) : undefined;
  }

  /**
   * A hash just read from the file: counted, recorded (at its row of a long list's records, if given), and
   * returned. As hex, or as the digest's bytes when the reader has them (the worker's answer) and records
   * them at a row, so they are not encoded to hex and decoded again.
   */
  #read<H extends string | Uint8Array>(relative: string, st: FileStat, hash: H, at?: ListRow, from?: number): H {
    this.counts.hashReads++;
    this.#record(relative, st, hash, at, from);
    return hash;
  }

  /**
   * Records `hash` for this stat. Racy when the file changed within the window before `from`, when its
   * read began (now, when the hash did not come from reading it): a write in the same tick as that change,
   * during the read, would leave the stat as it is and the hash stale.
   */
  #record(relative: string, st: FileStat, hash: string | Uint8Array, at?: ListRow, from = this.#now()): void {
    const racy = isRacy(st.changedMs, from);
    if (racy) this.#racyRecords++;
    if (at) this.#recorded.setAt(at.list, at.row, st, hash, racy);
    else this.#recorded.set(relative, st, typeof hash === 'string' ? hash : hexOf(hash), racy);
    this.#isDirty = true;
  }

  /** A directory's entries [name, kind], and the ctime and inode they hold for; undefined: not a readable directory. */
  list(relativeDir: string): Listing | undefined {
    return this.#listings().list(this.absolute(relativeDir), relativeDir);
  }

  /** The hash the loaded entries hold for `relative`, whatever its stat now (the daemon's check for edits). */
  heldHash(relative: string): string | undefined {
    const loaded = this.#loaded.files;
    const i = loaded.indexOf(relative);
    return i === undefined ? undefined : loaded.hashAt(i);
  }

  /** A list derived from content with hash `hash`, computed once by `derive`. */
  derived(kind: string, hash: string, derive: () => string[]): string[] {
    return this.#derivedLists().get(kind, hash, derive);
  }

  /**
   * Persists the cache when something changed, or its file was found damaged (see StatCacheDisk: a frame of
   * its log, or the whole file).
   */
  save(): void {
    const disk = this.#disk;
    const listings = this.#listingsMade;
    const derived = this.#derivedMade;
    const isChanged = this.#isDirty || (listings?.changed.size ?? 0) > 0 || derived?.isChanged === true;
    if (disk && (isChanged || disk.isDamaged)) {
      disk.save(
        () => ({
          files: this.#recorded.sorted(),
          dirs: listings?.takeChanged() ?? {},
          derived: derived?.changed() ?? {},
        }),
        () => ({ files: this.#merged(), dirs: this.#listings().all, derived: this.#derivedLists().all }),
      );
      listings?.changed.clear();
      derived?.saved();
      this.#isDirty = false;
      this.#onDisk = disk.onDisk;
    }
    // The daemon is told the directories again only when the files are not the ones it was last told of.
    this.#help.watch?.(() => {
      const files = this.#merged();
      if (files === this.#watched) return undefined;
      this.#watched = files;
      return directoriesOf(files.paths, this.#root);
    });
  }

  /**
   * save() before the run's end (SAVE_AFTER_READS), unless another pass still takes in its hashes (a
   * save folds what was recorded into the loaded entries, and that pass's rows would be left out); a
   * failure is left to the end's save to report.
   */
  #saveEarly(): void {
    if (this.#laterOpen.size > 0) return;
    try {
      this.save();
    } catch {
      // The run's own save, at its end, tries again and says why.
    }
  }

  #listings(): DirListings {
    this.#listingsMade ??= new DirListings(this.#loaded.dirs, this.#now, this.counts);
    return this.#listingsMade;
  }

  #derivedLists(): DerivedLists {
    this.#derivedMade ??= new DerivedLists(this.#loaded.derived);
    return this.#derivedMade;
  }

  /** The loaded entries with this run's recorded over them, as columns sorted by path; they become the loaded ones. */
  #merged(): FileColumns {
    const loaded = this.#loaded.files;
    if (this.#recorded.size === 0) return loaded.columns;
    const merged = mergeColumns(loaded.columns, (file) => loaded.indexOf(file), this.#recorded.sorted());
    this.#recorded.clear();
    if (merged !== loaded.columns) this.#loaded.files = new LoadedFiles(merged);
    return merged;
  }
}

const isRegular = (st: FileStat): boolean => isRegularMode(st.mode);

/** A stat pass's hashes: every one in (hex, undefined where there is none), or a column that a later pass fills. */
type PassAnswer =
  | { hashes: readonly (string | undefined)[]; later?: undefined }
  | { hashes: HashColumn; later: LaterHashes };

/** A digest's hex, read through a view of its bytes (a worker's digest is a view of the pass's shared answer). */
function hexOf(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}

/** The hashes of a pass that was not to be read later (every one in). */
function hashesNow(answer: PassAnswer): readonly (string | undefined)[] {
  if (answer.later) throw new Error('a pass to be read later was answered as one read now');
  return answer.hashes;
}
