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
import { hashFileSync } from './hash-file.js';
import { hashWithHasher } from './parallel-hasher.js';
import type { FileStat, HashHelp, Listing, StatCacheOptions } from './stat-cache-types.js';
import { StatCacheDisk } from './stat-cache-disk.js';
import type { FileColumns } from './stat-cache-file.js';
import { DirListings } from './dir-listings.js';
import { FileEntries } from './file-entries.js';
import type { ListRow } from './file-entries.js';
import { answerPass, hashesNow } from './pass-answer.js';
import type { PassAnswer, PassHost } from './pass-answer.js';
import { STAT_BESIDE_MIN, StatPass } from './stat-beside.js';
import { statAt } from './stat-rows.js';
import type { SpareStatWorker } from './stat-beside.js';
import type { LaterHashes } from './later-hashes.js';
import { statFollowed } from './raw-lstat.js';
import { LoadedCache } from './loaded-cache.js';
import { DerivedLists } from './derived-lists.js';

export type { FileStat, HashHelp, Listing, StatCacheOptions } from './stat-cache-types.js';

/**
 * A list this long (under STAT_BESIDE_MIN) is taken through a stat pass too,
 * on this thread, when the daemon may vouch for its files (a run it serves
 * or hands back): the pass is kept, and the next run stats only the files
 * its watchers saw something happen to (simtask's 2,000 files: about 12 ms
 * of a no-op the daemon answers in 25). A shorter list is stat'ed file by
 * file, as in a run of its own.
 */
const VOUCHED_MIN = 512;
export { isRacy } from './recorded-files.js';
export type { LaterHashes } from './later-hashes.js';

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

export class StatCache {
  readonly #root: string;
  readonly #file: string | undefined;
  readonly #now: () => number;
  readonly #help: HashHelp;
  #spare: SpareStatWorker | undefined;
  #startSpare: (() => SpareStatWorker | undefined) | undefined;
  /** The entries, listings and derived lists as loaded, each decoded when first needed. */
  readonly #loaded: LoadedCache;
  /** The file entries: the loaded ones with this run's records over them. */
  readonly #entries: FileEntries;
  /** What a long pass's answer takes from this cache (pass-answer.ts). */
  readonly #passHost: PassHost;
  #listingsMade: DirListings | undefined;
  #derivedMade: DerivedLists | undefined;
  readonly #disk: StatCacheDisk | undefined;
  /** What the daemon was last told to watch (HashHelp.watch). */
  #watched: FileColumns | undefined;
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
    this.#entries = new FileEntries(this.#loaded, this.#now, this.counts);
    this.#passHost = {
      entries: this.#entries,
      counts: this.counts,
      now: this.#now,
      absolute: (relative) => this.absolute(relative),
      stat: (relative) => this.stat(relative),
      readFile: (relative, st, at) => this.#readFile(relative, st, undefined, at),
      known: (absolute, st) => this.#help.known?.(absolute, st),
      laterOpen: this.#laterOpen,
      saveEarly: () => this.#saveEarly(),
    };
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
    return this.#entries.freshHash(relative, st) !== undefined;
  }

  /** The memoised hash of `relative` when it still holds for this stat (not racy); else undefined. */
  freshHash(relative: string, st: FileStat): string | undefined {
    return this.#entries.freshHash(relative, st);
  }

  /** Content hash of a file, read only when its stat changed. Undefined when missing or not a file. */
  hash(relative: string, known?: FileStat): string | undefined {
    const st = known ?? this.stat(relative);
    if (!st || !isRegular(st)) return undefined;
    const fresh = this.#entries.freshHash(relative, st);
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
      return this.#entries.read(relative, st, known ?? hashFileSync(this.absolute(relative), st.size), at, from);
    } catch {
      return undefined;
    }
  }

  /** hash() of many files; the changed ones read on two threads (the stat pass's, or the daemon's hasher's). */
  hashAll(files: readonly string[]): readonly (string | undefined)[] {
    if (files.length >= STAT_BESIDE_MIN || this.#mayVouchFor(files)) return hashesNow(this.#passOver(files));
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
      record: (file, st, hash) => this.#entries.read(file, st, hash, undefined, from),
    });
  }

  /** Whether a list under STAT_BESIDE_MIN goes through a stat pass the daemon may vouch for (VOUCHED_MIN). */
  #mayVouchFor(files: readonly string[]): boolean {
    return files.length >= VOUCHED_MIN && this.#isVouching && this.#help.changes?.() !== undefined;
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
    const racyBefore = this.#entries.racyRecords;
    let hashes: readonly (string | undefined)[] | undefined;
    return {
      stats: pass.stats,
      hashes: () => {
        hashes ??= hashesNow(answerPass(this.#passHost, files, pass));
        return hashes;
      },
      hashAt: (i) => {
        const st = statAt(pass.stats, i);
        return st && isRegular(st) ? this.hash(files[i] as string, st) : undefined;
      },
      isClean: () => this.#entries.racyRecords === racyBefore,
      end: () => pass.end(),
    };
  }

  /**
   * hash() of many files, stat'ed on two threads, an unchanged file found by walking the loaded entries in
   * order; the changed ones read on two threads too (or later), unless the daemon knows them.
   */
  #passOver(files: readonly string[], laterFrom = Number.POSITIVE_INFINITY, keep = false): PassAnswer {
    // Files this cache knows nothing of are read whatever their stat: the hash pass stats them as it reads them.
    const unknown = Number.isFinite(laterFrom) ? this.#entries.unknownIn(files) : [];
    const isLater = unknown.length >= laterFrom;
    const pass = this.#statPass(files, isLater ? unknown : undefined);
    return answerPass(this.#passHost, files, pass, isLater, isLater && keep);
  }

  /**
   * The stat pass of a list (long, or VOUCHED_MIN in a run the daemon may vouch for): of the files the daemon's events say something happened to, when
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

  /** Records a hash we computed while writing the file ourselves (saves reading it back). */
  remember(relative: string, hash: string): void {
    const st = this.stat(relative);
    if (st) this.#entries.record(relative, st, hash);
  }

  /** A directory's entries [name, kind], and the ctime and inode they hold for; undefined: not a readable directory. */
  list(relativeDir: string): Listing | undefined {
    return this.#listings().list(this.absolute(relativeDir), relativeDir);
  }

  /** The hash the loaded entries hold for `relative`, whatever its stat now (the daemon's check for edits). */
  heldHash(relative: string): string | undefined {
    return this.#entries.heldHash(relative);
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
    const isChanged = this.#entries.isDirty || (listings?.changed.size ?? 0) > 0 || derived?.isChanged === true;
    if (disk && (isChanged || disk.isDamaged)) {
      disk.save(
        () => ({
          files: this.#entries.recordedSorted(),
          dirs: listings?.takeChanged() ?? {},
          derived: derived?.changed() ?? {},
        }),
        () => ({ files: this.#entries.merged(), dirs: this.#listings().all, derived: this.#derivedLists().all }),
      );
      listings?.changed.clear();
      derived?.saved();
      this.#entries.saved();
      this.#onDisk = disk.onDisk;
    }
    // The daemon is told the directories again only when the files are not the ones it was last told of.
    this.#help.watch?.(() => {
      const files = this.#entries.merged();
      if (files === this.#watched) return undefined;
      this.#watched = files;
      return directoriesOf(files.paths, this.#root);
    });
  }

  /**
   * save() before the run's end (SAVE_AFTER_READS, pass-answer.ts), unless another pass still takes in its hashes (a
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
}

const isRegular = (st: FileStat): boolean => isRegularMode(st.mode);
