// The sha256 of a stage's own sources, for a memo that must not outlive the
// code that made it (simtask's write and cluster key theirs by it). Each
// source is relative to `base`, the caller's import.meta.url (which names
// the source file even when the module runs compiled).
import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** The sha256 of `sources` (base64); a random value when one cannot be read, so that no memo is then ever taken. */
export function sourcesHash(sources: readonly string[], base: string): string {
  const hash = createHash('sha256');
  try {
    for (const source of sources) hash.update(fs.readFileSync(new URL(source, base)));
  } catch {
    return String(Math.random());
  }
  return hash.digest('base64');
}
