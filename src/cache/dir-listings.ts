// The stat cache's directory listings: a directory's entries are reused
// while its mtime and inode are unchanged (adding, removing or renaming an
// entry changes the directory's mtime), as git's untracked cache does.
import fs from 'node:fs';
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
    const { mtimeMs, ino } = st;
    const entry = this.#dirs[relativeDir];
    if (entry && entry[0] === mtimeMs && entry[1] === ino && !isRacy(entry[0], entry[4])) {
      this.#counts.dirHits++;
      return { names: entry[2], kinds: entry[3], mtimeMs, ino };
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
    const kinds = dirents.map((d) => (d.isFile() ? 'f' : d.isDirectory() ? 'd' : 'o')).join('');
    this.#dirs[relativeDir] = [mtimeMs, ino, names, kinds, this.#now()];
    this.changed.add(relativeDir);
    return { names, kinds, mtimeMs, ino };
  }
}
