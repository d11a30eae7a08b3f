// The stat cache's option and help types (stat-cache.ts), apart so the
// daemon and the stat pass can name them without the class.
import type { ParallelHasher } from './parallel-hasher.js';
import type { SpareStatWorker } from './stat-beside.js';
import type { StatCache } from './stat-cache.js';

/** Bytes of a file's content hash (sha256) in the stat cache's columns. */
export const HASH_BYTES = 32;

/** What the daemon lends a run's hashing (src/daemon/). */
export interface HashHelp {
  /** A second thread that hashes half of many changed files. */
  hasher?: ParallelHasher;
  /** A hash made ahead of the run, after a file event, for this absolute path and stat (never a racy one). */
  known?(absolute: string, st: FileStat): string | undefined;
  /**
   * Told, as the run ends, how to list the directories of every file this
   * cache knows (absolute, each once; undefined: the files are the ones it
   * was last told of): the daemon lists and watches them once it has answered.
   */
  watch?(dirs: () => readonly string[] | undefined): void;
  /**
   * Where the daemon keeps the last run's stat cache: the next run takes it
   * over while its file on disk is the one it loaded or saved, instead of
   * reading and parsing that file again; and the options it was made with
   * (so the daemon can read the file again once another run rewrote it).
   */
  kept?: { stats?: StatCache; options?: StatCacheOptions };
  /**
   * The daemon's file events, when it can vouch for them (src/daemon/watch-log.ts): a long list's stat
   * pass then stats again only the files something happened to since a pass it kept. Undefined: stat all.
   */
  changes?(): PassChanges | undefined;
}

/** What a long list's stat pass may build on (HashHelp.changes). */
export interface PassChanges {
  /**
   * The stats a kept pass over these very files found, and the indices of the files to stat again
   * (ascending): those something happened to since, or that the daemon cannot vouch for. Undefined: stat all.
   */
  since(files: readonly string[]): PassBasis | undefined;
  /** Keeps a pass's stats for the next run (`links`: the indices that were symbolic links, always stat'ed again). */
  keep(files: readonly string[], stats: Float64Array, links: readonly number[]): void;
}

export interface PassBasis {
  /** FIELDS numbers per file (stat-beside.ts), as the kept pass found them. */
  stats: Float64Array;
  stale: readonly number[];
}

export interface FileStat {
  size: number;
  /** The inode's change time (ctime), in ms: what the stat cache compares, not the mtime a program can set back. */
  changedMs: number;
  ino: number;
  mode: number;
}

export interface StatCacheOptions {
  root: string;
  file?: string;
  now?: () => number;
  help?: HashHelp;
  /** Told, while loading, why a file that is there cannot be used: the cache then starts empty. */
  onBadFile?: (message: string) => void;
  /** A stat pass worker started ahead, for the first long pass (SpareStatWorker). */
  spare?: SpareStatWorker;
  /** Starts one when a walk has found enough files for a long pass and none was started ahead (expectLongPass). */
  startSpare?: () => SpareStatWorker | undefined;
}

/** A directory's entries (sorted names; kinds: 'f' file, 'd' directory, 'o' other, 'u' a name not UTF-8, one per name) and the ctime and inode they hold for. */
export interface Listing {
  names: string[];
  kinds: string;
  changedMs: number;
  ino: number;
}
