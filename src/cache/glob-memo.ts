// A glob's files, kept beside the stat cache (.runner/globs/) with the
// identity of every directory its walk listed. While none of those
// directories changed (adding, removing or renaming an entry changes a
// directory's ctime, as the stat cache's listings rely on too), the same
// patterns give the same files: a run then stats those directories and reads
// the list back, instead of compiling the patterns, walking the listings and
// matching every name (a tenth of a 100,000-file no-op, and of simtask's).
// A walk that met something a listing does not vouch for (a symlink, whose
// target can change under an unchanged directory) is not kept, nor one
// whose directories changed too recently to trust their ctimes.
// The memo keeps the list's identity too (list-identity.ts), which names it
// to the stage's pass memo. Deleting this module (and its use in glob.ts)
// walks every time, as before.
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { knowListIdentity, knowPathsText, listIdentity, pathsText } from './list-identity.js';
import { isRacy } from './recorded-files.js';
import type { Listing, StatCache } from './stat-cache.js';

const FORMAT = 'runner-glob 2';

/**
 * The files of each memo as last read in this process, by its file: the
 * daemon's next run gets the same array back (no 100,000 strings made again,
 * and what is keyed by the array, the key's input list, is found) while the
 * memo's first line, which hashes the rest, is the same.
 */
const lastRead = new Map<string, { head: string; files: readonly string[] }>();

/** A directory as the walk found it: [dir, changedMs, ino], or [dir] when it was not a listable directory. */
export type SeenDir = [dir: string, changedMs: number, ino: number] | [dir: string];

/** A memo as read whatever its directories are now (GlobMemo.readStale). */
export interface StaleMemo {
  files: readonly string[];
  dirs: SeenDir[];
  /** The indexes of `dirs` not as they were when the memo was written. */
  changed: number[];
}

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
    this.dirs.push(listing ? [dir, listing.changedMs, listing.ino] : [dir]);
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

  /**
   * The memo's files and the directories its walk listed, when it is whole
   * and at most `most` of those directories are not as they were then
   * (`changed`: their indexes); else undefined.
   */
  readStale(most: number): StaleMemo | undefined {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.#file);
    } catch {
      return undefined;
    }
    // The first line: the format and the sha256 of the rest, so a damaged memo is walked again, never believed.
    const end = data.indexOf(10);
    const head = end === -1 ? '' : data.toString('latin1', 0, end);
    if (head !== `${FORMAT} ${sha256(data.subarray(end + 1))}`) return undefined;
    // The body: the list's identity (list-identity.ts), the directories walked, then the files.
    const body = data.toString('latin1', end + 1);
    const lines = body.split('\n');
    const identity = lines[0] as string;
    let dirs: SeenDir[];
    try {
      dirs = JSON.parse(Buffer.from(lines[1] ?? '', 'latin1').toString('utf8')) as SeenDir[];
    } catch {
      return undefined;
    }
    if (!/^[0-9a-f]{64}$/.test(identity) || !Array.isArray(dirs)) return undefined;
    const changed: number[] = [];
    for (let i = 0; i < dirs.length; i++)
      if (!this.#isAsSeen(dirs[i] as SeenDir) && changed.push(i) > most) return undefined;
    const last = lastRead.get(this.#file);
    if (last?.head === head) return { files: last.files, dirs, changed };
    const split = lines.slice(2);
    // Paths are UTF-8; read as latin1 to split fast, decoded only when one is not ASCII.
    const ascii = isAscii(data);
    const files = ascii ? split : split.map((file) => Buffer.from(file, 'latin1').toString('utf8'));
    // The lines the files were split from are the list's text: the stat pass sends its worker that.
    if (ascii && files.length > 0) knowPathsText(files, body.slice(body.indexOf('\n', identity.length + 1) + 1), '\n');
    if (changed.length > 0) return { files, dirs, changed };
    knowListIdentity(files, identity);
    lastRead.set(this.#file, { head, files });
    return { files, dirs, changed };
  }

  /** Keeps `files`, found by a walk that listed `seen`, unless that walk cannot be trusted to hold. */
  write(seen: SeenDirs, files: readonly string[]): void {
    const now = this.#stats.now();
    const isRecent = seen.dirs.some((dir) => dir.length === 3 && isRacy(dir[1], now));
    try {
      // One name a line: a name with a newline in it would read back as two.
      const joined = seen.isMemoable && !isRecent ? pathsText(files) : undefined;
      if (joined === undefined || (joined.separator !== '\n' && joined.text.includes('\n'))) {
        fs.rmSync(this.#file, { force: true });
        return;
      }
      const names = Buffer.from(joined.text);
      if (joined.separator !== '\n') newlinesFor(names);
      const head = `${listIdentity(files)}\n${JSON.stringify(seen.dirs)}${files.length > 0 ? '\n' : ''}`;
      const body = Buffer.concat([Buffer.from(head), names]);
      writeFileAtomic(this.#file, [Buffer.from(`${FORMAT} ${sha256(body)}\n`), body]);
    } catch {
      // A read-only .runner: walk every time.
    }
  }

  #isAsSeen(seen: SeenDir): boolean {
    if (!Array.isArray(seen) || typeof seen[0] !== 'string') return false;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.#stats.absolute(seen[0]), { throwIfNoEntry: false });
    } catch {
      // Not a directory on the way (ENOTDIR), not readable: not as seen.
      return false;
    }
    const isDir = st?.isDirectory() === true;
    if (seen.length === 1) return !isDir;
    return isDir && st?.ctimeMs === seen[1] && st.ino === seen[2];
  }
}

/** The NULs between the names (a path holds none) made newlines, in place. */
function newlinesFor(names: Buffer): void {
  for (let at = 0; at < names.length; at++) if (names[at] === 0) names[at] = 10;
}
