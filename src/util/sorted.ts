/**
 * The first index at or after `from` of `sorted` (ascending, as JavaScript's
 * `<` orders its strings or numbers) whose value is not before `value`.
 */
export function lowerBound<T extends string | number>(sorted: readonly T[], value: T, from = 0): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as T) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * A sorted list of paths as runs of one directory each (a directory's own
 * files may come in several runs, its subdirectories' between them): the
 * directory of run r, as its paths name it ('' for the root's own files,
 * '/' for a file at the filesystem's root), and its paths from starts[r]
 * up to starts[r + 1]. A path in the directory of the one before it (most
 * of a sorted list) is passed over on its first characters, with no string
 * made for it: an absolute path and a dirname for each of a million files
 * took a second of the daemon's time after an answer.
 */
export interface DirRuns {
  dirs: string[];
  starts: Int32Array;
}

export function dirRunsOf(paths: readonly string[]): DirRuns {
  const dirs: string[] = [];
  const starts: number[] = [];
  /** The last directory as its paths begin ('' for the root's own files). */
  let prefix: string | undefined;
  for (let i = 0; i < paths.length; i++) {
    const file = paths[i] as string;
    if (prefix !== undefined && file.startsWith(prefix) && file.indexOf('/', prefix.length) === -1) continue;
    const slash = file.lastIndexOf('/');
    prefix = file.slice(0, slash + 1);
    dirs.push(slash === -1 ? '' : slash === 0 ? '/' : file.slice(0, slash));
    starts.push(i);
  }
  starts.push(paths.length);
  return { dirs, starts: Int32Array.from(starts) };
}

/** A directory of DirRuns, absolute under `root`. */
export function absoluteDir(dir: string, root: string): string {
  return dir === '' ? root : dir.startsWith('/') ? dir : `${root}/${dir}`;
}

/** The directories of `paths` (sorted, workspace-relative or absolute), each once, absolute under `root`. */
export function directoriesOf(paths: readonly string[], root: string): string[] {
  return [...new Set(dirRunsOf(paths).dirs.map((dir) => absoluteDir(dir, root)))];
}
