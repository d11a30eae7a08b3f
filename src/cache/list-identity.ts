// The identity of a long list of files: what a stage's pass memo names the
// list it was kept for by (pass-memo.ts). It is the sha256 of the paths
// joined by NULs (no path holds one), made once per list. A list read back
// from a glob memo comes with it: the memo keeps the identity its walk's
// list had, inside the content its first line hashes, so a no-op over
// 100,000 files neither joins nor hashes their 2.3 MB of paths again.
//
// The paths as one text are kept per list too (pathsText): the identity, the
// glob memo's names and the stat pass's worker, which is sent the list, all
// read that one text. Each of them joining 100,000 paths itself cost 20 to
// 30 ms a join; a list read from a glob memo is given the memo's own lines.
import { sha256 } from '../util/hash.js';

/** A list's paths as one text, each followed by `separator` but the last. */
export interface PathsText {
  text: string;
  separator: '\0' | '\n';
}

const identities = new WeakMap<readonly string[], string>();
const texts = new WeakMap<readonly string[], PathsText>();

export function listIdentity(files: readonly string[]): string {
  let identity = identities.get(files);
  if (identity === undefined) {
    const joined = pathsText(files);
    identity = sha256(joined.separator === '\0' ? joined.text : files.join('\0'));
    identities.set(files, identity);
  }
  return identity;
}

/** Gives `files` the identity a glob memo kept for them (listIdentity of the same paths when the memo was written). */
export function knowListIdentity(files: readonly string[], identity: string): void {
  identities.set(files, identity);
}

/** `files` as one text: the one it was given (knowPathsText), else joined by NULs, once. */
export function pathsText(files: readonly string[]): PathsText {
  let known = texts.get(files);
  if (known === undefined) {
    known = { text: files.join('\0'), separator: '\0' };
    texts.set(files, known);
  }
  return known;
}

/** Gives `files` the text they were split from (`separator` held by no path). */
export function knowPathsText(files: readonly string[], text: string, separator: PathsText['separator']): void {
  texts.set(files, { text, separator });
}
