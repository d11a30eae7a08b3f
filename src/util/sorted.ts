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
 * The directories of `paths` (sorted, workspace-relative or absolute), each
 * once, absolute under `root`. A path in the directory of the one before it
 * (most of a sorted list) is passed over on its first characters, with no
 * string made for it: an absolute path and a dirname for each of a million
 * files took a second of the daemon's time after an answer.
 */
export function directoriesOf(paths: readonly string[], root: string): string[] {
  const dirs = new Set<string>();
  /** The last directory as its paths begin ('' for the root's own files). */
  let prefix: string | undefined;
  for (const file of paths) {
    if (prefix !== undefined && file.startsWith(prefix) && file.indexOf('/', prefix.length) === -1) continue;
    const slash = file.lastIndexOf('/');
    prefix = file.slice(0, slash + 1);
    const dir = file.slice(0, slash);
    dirs.add(slash === -1 ? root : slash === 0 ? '/' : dir.startsWith('/') ? dir : `${root}/${dir}`);
  }
  return [...dirs];
}
