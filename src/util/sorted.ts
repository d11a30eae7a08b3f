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
