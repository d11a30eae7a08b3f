// Deterministic ordering, choice and naming: simtask's output must not
// depend on the order records arrive in, nor on the locale.

import { compare } from '../lib/order.js';

export { compare };

/**
 * The most frequent value; ties go to a `preferred` value if one is among
 * them, then to the first in code-unit order, so the choice is stable.
 */
export function mostCommon(values: readonly string[], preferred: ReadonlySet<string> = new Set()): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best = '';
  let bestCount = 0;
  for (const [value, count] of counts) {
    const isTie = count === bestCount;
    const isBetterTie =
      isTie && (Number(preferred.has(value)) - Number(preferred.has(best)) || compare(best, value)) > 0;
    if (count > bestCount || isBetterTie) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** `parseHTTPResponse` -> `parse-http-response`, for file names. */
export function kebab(name: string): string {
  const slug = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return slug.slice(0, 48).replace(/-+$/, '') || 'function';
}
