// A glob's files, kept beside the stat cache (.runner/globs/) with the
// identity of every directory its walk listed. While none of those
// directories changed (adding, removing or renaming an entry changes a
// directory's mtime, as the stat cache's listings rely on too), the same
// patterns give the same files: a run then stats those directories and reads
// the list back, instead of compiling the patterns, walking the listings and
// matching every name (a tenth of a 100,000-file no-op, and of simtask's).
// A walk that met something a listing does not vouch for (a symlink, whose
// target can change under an unchanged directory) is not kept, nor one
// whose directories changed too recently to trust their mtimes.
// Deleting this module (and its use in glob.ts) walks every time, as before.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { isRacy } from './recorded-files.js';
import type { Listing, StatCache } from './stat-cache.js';

const FORMAT = 'runner-glob 1';

/** A directory as the walk found it: [dir, mtimeMs, ino], or [dir] when it was not a listable directory. */
type SeenDir = [dir: string, mtimeMs: number, ino: number] | [dir: string];

/** The directories a walk listed, recorded as it lists them. */
export class SeenDirs {
  readonly stats: StatCache;
  readonly dirs: SeenDir[] = [];
  /** False once the walk met what a listing does not vouch for. */
  isMemoable = true;

  constructor(stats: StatCache) {
    this.stats = stats;
  }

  /** stats.list(dir), recorded. */
  list(dir: string): Listing | undefined {
    const listing = this.stats.list(dir);
    this.dirs.push(listing ? [dir, listing.mtimeMs, listing.ino] : [dir]);
    return listing;
  }
}

export class GlobMemo {
  readonly #stats: StatCache;
  readonly #file: string;

  private constructor(stats: StatCache, file: string) {
    this.#stats = stats;
    this.#file = file;
  }

  /** The memo of one query (its patterns, as expandGlobs splits them); undefined for a cache kept nowhere. */
  static of(stats: StatCache, query: unknown): GlobMemo | undefined {
    const dir = stats.stateDir;
    if (dir === undefined) return undefined;
    // The root is part of the query: an absolute exclusion matches by it.
    const name = sha256(JSON.stringify([stats.root, query])).slice(0, 32);
    return new GlobMemo(stats, path.join(dir, 'globs', name));
  }

  /** The files, when every directory listed for them is as it was then; else undefined. */
  read(): string[] | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.#file, 'latin1');
    } catch {
      return undefined;
    }
    const lines = text.split('\n');
    if (lines[0] !== FORMAT || lines.length < 2) return undefined;
    let dirs: SeenDir[];
    try {
      dirs = JSON.parse(Buffer.from(lines[1] as string, 'latin1').toString('utf8')) as SeenDir[];
    } catch {
      return undefined;
    }
    if (!Array.isArray(dirs) || !dirs.every((seen) => this.#isAsSeen(seen))) return undefined;
    const files = lines.slice(2);
    // Paths are UTF-8; read as latin1 to split fast, decoded only when one is not ASCII.
    return /[^\0-\x7f]/.test(text) ? files.map((file) => Buffer.from(file, 'latin1').toString('utf8')) : files;
  }

  /** Keeps `files`, found by a walk that listed `seen`, unless that walk cannot be trusted to hold. */
  write(seen: SeenDirs, files: readonly string[]): void {
    const now = this.#stats.now();
    if (!seen.isMemoable || seen.dirs.some((dir) => dir.length === 3 && isRacy(dir[1], now))) {
      fs.rmSync(this.#file, { force: true });
      return;
    }
    if (files.some((file) => file.includes('\n'))) return;
    try {
      writeFileAtomic(this.#file, [FORMAT, JSON.stringify(seen.dirs), ...files].join('\n'));
    } catch {
      // A read-only .runner: walk every time.
    }
  }

  #isAsSeen(seen: SeenDir): boolean {
    if (!Array.isArray(seen) || typeof seen[0] !== 'string') return false;
    const st = fs.statSync(this.#stats.absolute(seen[0]), { throwIfNoEntry: false });
    const isDir = st?.isDirectory() === true;
    if (seen.length === 1) return !isDir;
    return isDir && st?.mtimeMs === seen[1] && st.ino === seen[2];
  }
}
