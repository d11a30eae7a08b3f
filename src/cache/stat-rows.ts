// A stat as a row of numbers: FIELDS of them per file in one Float64Array
// (size, changedMs, ino, mode), as the stat pass's threads fill a shared
// answer, the pass memo keeps it byte for byte, and the daemon's watch log
// keeps and hands it back. A missing file has size NaN (its other fields
// left as they were); a file a pass was told to leave to the hash pass has
// size UNSTATED until that pass stats it.
import type { FileStat } from './stat-cache-types.js';

/** Fields per file: size, changedMs, ino, mode (size NaN: no such file). */
export const FIELDS = 4;
/** Size of a file the stat pass was told to leave (`unstated`): the hash pass stats it as it reads it. */
export const UNSTATED = -1;
/**
 * Added to the mode of a regular file with more than one hard link, in a
 * stat pass's rows (lstatInto's `marks`): an edit through another of its
 * links raises no event in its directory, so the daemon never vouches for
 * it (watch-log.ts). Above every mode bit: a mode read with `&`
 * (isRegularMode, S_IFLNK) reads the same.
 */
export const MANY_LINKS = 2 ** 32;

/** Whether a row's mode says its file has more than one hard link (MANY_LINKS). */
export function hasManyLinks(mode: number): boolean {
  return mode >= MANY_LINKS;
}

/** Row `i`'s stat; undefined when there is no such file. */
export function statAt(out: Float64Array, i: number): FileStat | undefined {
  const at = FIELDS * i;
  const size = out[at] as number;
  if (Number.isNaN(size)) return undefined;
  return { size, changedMs: out[at + 1] as number, ino: out[at + 2] as number, mode: out[at + 3] as number };
}

/** Puts `st` as row `i` of `out` (size NaN: no such file, the other fields left as they were); returns it. */
export function putStat(out: Float64Array, i: number, st: FileStat | undefined): FileStat | undefined {
  out[FIELDS * i] = st ? st.size : Number.NaN;
  if (st) {
    out[FIELDS * i + 1] = st.changedMs;
    out[FIELDS * i + 2] = st.ino;
    out[FIELDS * i + 3] = st.mode;
  }
  return st;
}
