// The stat cache's directory listings: a directory's entries are reused
// while its ctime and inode are unchanged (adding, removing or renaming an
// entry changes the directory's ctime), as git's untracked cache does.
import fs from 'node:fs';
import path from 'node:path';
import type { DirEntry } from './stat-cache-file.js';
import type { Listing } from './stat-cache-types.js';
import { isRacy } from './recorded-files.js';

export class DirListings {
  readonly #dirs: Record<string, DirEntry>;
  readonly #now: () => number;
  readonly #counts: { dirHits: number; dirReads: number };
  /** Directories listed anew since the last load or save (what a save appends). */
  readonly changed = new Set<string>();

  constructor(dirs: Record<string, DirEntry>, now: () => number, counts: { dirHits: number; dirReads: number }) {
    this.#dirs = dirs;
    this.#now = now;
    this.#counts = counts;
  }

  /** Every listing, as the stat cache file keeps them. */
  get all(): Record<string, DirEntry> {
    return this.#dirs;
  }

  /** The listings made since the last save. */
  takeChanged(): Record<string, DirEntry> {
    const changed = Object.fromEntries([...this.changed].map((dir) => [dir, this.#dirs[dir] as DirEntry]));
    this.changed.clear();
    return changed;
  }

  /** The entries of `relativeDir` (at `absolute`); undefined when it is not a readable directory. */
  list(absolute: string, relativeDir: string): Listing | undefined {
    let st: fs.Stats;
    try {
      st = fs.statSync(absolute);
    } catch {
      return undefined;
    }
    if (!st.isDirectory()) return undefined;
    const { ctimeMs: changedMs, ino } = st;
    const entry = this.#dirs[relativeDir];
    if (entry && entry[0] === changedMs && entry[1] === ino && !isRacy(entry[0], entry[4])) {
      this.#counts.dirHits++;
      return { names: entry[2], kinds: entry[3], changedMs, ino };
    }
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(absolute, { withFileTypes: true });
    } catch {
      return undefined;
    }
    this.#counts.dirReads++;
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = dirents.map((d) => d.name);
    const kinds = dirents
      .map((d) => (isNotUtf8(absolute, d.name) ? 'u' : d.isFile() ? 'f' : d.isDirectory() ? 'd' : 'o'))
      .join('');
    this.#dirs[relativeDir] = [changedMs, ino, names, kinds, this.#now()];
    this.changed.add(relativeDir);
    return { names, kinds, changedMs, ino };
  }
}

/**
 * Whether the name `readdir` gave is not the entry's name: a name that is
 * not valid UTF-8 comes back with U+FFFD in place of its bad bytes, and no
 * entry has the name so decoded (unless one with U+FFFD in its real name).
 * Such a file cannot be read, stat'ed or hashed by its decoded name: the
 * walk fails on one that a pattern matches, rather than list it (its hash
 * `missing`, its edits never seen).
 */
function isNotUtf8(dir: string, name: string): boolean {
  return name.includes('\ufffd') && fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false }) === undefined;
}

/** Why the entry of `dir` (at `absolute`) that readdir names `name` cannot be an input: its name's bytes. */
export function notUtf8Problem(absolute: string, relative: string, name: string): string {
  let raw: Buffer | undefined;
  try {
    raw = fs.readdirSync(absolute, { encoding: 'buffer' }).find((bytes) => bytes.toString('utf8') === name);
  } catch {
    raw = undefined;
  }
  const bytes = raw ? ` (its bytes: ${[...raw].map((b) => b.toString(16).padStart(2, '0')).join(' ')})` : '';
  return `${relative}: a file name that is not valid UTF-8${bytes}; runner names files in UTF-8 and cannot read or hash this one: rename it`;
}
