// The identity of a long list of files: what a stage's pass memo names the
// list it was kept for by (pass-memo.ts). It is the sha256 of the paths
// joined by NULs (no path holds one), made once per list. A list read back
// from a glob memo comes with it: the memo keeps the identity its walk's
// list had, inside the content its first line hashes, so a no-op over
// 100,000 files neither joins nor hashes their 2.3 MB of paths again.
import { sha256 } from '../util/hash.js';

const identities = new WeakMap<readonly string[], string>();

export function listIdentity(files: readonly string[]): string {
  let identity = identities.get(files);
  if (identity === undefined) {
    identity = sha256(files.join('\0'));
    identities.set(files, identity);
  }
  return identity;
}

/** Gives `files` the identity a glob memo kept for them (listIdentity of the same paths when the memo was written). */
export function knowListIdentity(files: readonly string[], identity: string): void {
  identities.set(files, identity);
}
