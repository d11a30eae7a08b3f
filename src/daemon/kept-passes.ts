// The stat passes the daemon's watch log keeps (watch-log.ts): a list's
// files, the stats its last pass found, and the epoch that pass began in,
// so a later run of the same list stats only what an event named since. A
// pass is found by its very array, else by the same paths; a few are kept,
// the oldest dropped first.
import { FIELDS, hasManyLinks } from '../cache/stat-rows.js';
import { dirRunsOf } from '../util/sorted.js';
import type { DirRuns } from '../util/sorted.js';

/**
 * Passes kept (a run's lists of VOUCHED_MIN files or more: a map stage's
 * over files, a stage's inputs), and the files they may hold together: the
 * oldest goes first past either.
 */
const KEPT = 8;
const KEPT_FILES = 2_000_000;

export interface Kept {
  files: readonly string[];
  stats: Float64Array;
  /** The rows never vouched for: symbolic links, and files of more than one hard link. */
  links: readonly number[];
  epoch: number;
  /** Its files by directory, made once a list: a run checks each directory, not each file. */
  runs: DirRuns;
}

export class KeptPasses {
  readonly #kept: Kept[] = [];

  get all(): readonly Kept[] {
    return this.#kept;
  }

  /** The pass kept of these very files (the same array, else the same paths). */
  of(files: readonly string[]): Kept | undefined {
    return this.#kept[this.#at(files)];
  }

  /**
   * Keeps a pass of `files` begun in `epoch` (`links`: its symbolic links), in place of the one kept of the
   * same list. Its directory runs, and whether the list is new here (its directories may want watching);
   * undefined when it cannot be kept (a list not sorted: a changed path is found by binary search).
   */
  keep(
    files: readonly string[],
    stats: Float64Array,
    links: readonly number[],
    epoch: number,
  ): { runs: DirRuns; isNew: boolean } | undefined {
    const at = this.#at(files);
    if (at === -1 && !isSorted(files)) return undefined;
    const runs = at === -1 ? dirRunsOf(files) : (this.#kept[at] as Kept).runs;
    if (at !== -1) this.#kept.splice(at, 1);
    this.#kept.push({ files, stats: stats.slice(), links: [...links, ...manyLinked(stats)], epoch, runs });
    let held = 0;
    for (const kept of this.#kept) held += kept.files.length;
    while (this.#kept.length > 1 && (this.#kept.length > KEPT || held > KEPT_FILES))
      held -= (this.#kept.shift() as Kept).files.length;
    return { runs, isNew: at === -1 };
  }

  /** The epoch of the oldest pass kept: an event older than it can no longer make a file stale. */
  oldestEpoch(): number {
    return Math.min(...this.#kept.map((kept) => kept.epoch));
  }

  clear(): void {
    this.#kept.length = 0;
  }

  #at(files: readonly string[]): number {
    const at = this.#kept.findIndex((k) => k.files === files);
    return at !== -1 ? at : this.#kept.findIndex((k) => isSameList(k.files, files));
  }
}

function isSameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSorted(files: readonly string[]): boolean {
  for (let i = 1; i < files.length; i++) if ((files[i - 1] as string) >= (files[i] as string)) return false;
  return true;
}

/** The rows of a pass whose files had more than one hard link when stat'ed (MANY_LINKS). */
function manyLinked(stats: Float64Array): number[] {
  const found: number[] = [];
  for (let i = 0; FIELDS * i < stats.length; i++) if (hasManyLinks(stats[FIELDS * i + 3] as number)) found.push(i);
  return found;
}
