// A long list hashed again with nothing changed (the daemon's next run): when
// the stat pass answers byte for byte as the last pass over the same list did
// (every size, mtime, inode and mode, and every missing file), and no file
// was hashed since, the hashes are the ones answered then, each taken from an
// entry the stat cache vouched for (a pass that read a file is not kept).
// StatCache gives back that same array, and the key's input list built from
// it (key-list.ts) is found by it: no 100,000 hex strings and pairs made again,
// no text encoded and hashed again. Deleting this module (and its two uses in
// stat-cache.ts) answers every pass afresh.

import { bytesOf } from '../util/bytes.js';

export interface PassAnswer {
  hashes: readonly (string | undefined)[];
  /** How many of them were hits (StatCache.counts). */
  hits: number;
}

export class LastPass {
  /** The last answer for each list (a map over files and a stage taking the same files as inputs each have one). */
  readonly #last = new WeakMap<readonly string[], { stats: Float64Array; reads: number; answer: PassAnswer }>();

  /** The last answer for `files`, if its stats were `stats` too and `reads` (files hashed so far) has not moved. */
  answer(files: readonly string[], stats: Float64Array, reads: number): PassAnswer | undefined {
    const last = this.#last.get(files);
    if (!last || last.reads !== reads || !bytesOf(last.stats).equals(bytesOf(stats))) return undefined;
    return last.answer;
  }

  /** Keeps a pass's answer: only one that read no file (`reads` is the count before and after it). */
  keep(files: readonly string[], stats: Float64Array, reads: number, answer: PassAnswer): void {
    this.#last.set(files, { stats, reads, answer });
  }
}
