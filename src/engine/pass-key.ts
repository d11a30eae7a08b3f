// The key of a long input list from its stat pass (StatCache.openPass, or
// the hash pass of a cold map: laterKey): from the stage's pass memo when
// the pass is the memo's (unreadKey) or a few files from it (nearKey; with
// files added or removed, alignedKey), else from every file's hash; and the
// memo kept from a clean pass.
import { buildManifest, manifestListBytes } from '../cache/fingerprint.js';
import { alignedInputsBytes, basisOf, patchedInputsBytes, rememberBasis } from '../cache/list-patch.js';
import { fileHash, inputLine, ListText, listedHash } from '../cache/list-text.js';
import type { HashColumn } from '../cache/hash-column.js';
import {
  isMemoFor,
  keepListHash,
  keptListAligned,
  keptListHash,
  keptListNear,
  memoText,
  readAnyPassMemo,
} from '../cache/pass-memo.js';
import type { PassMemo } from '../cache/pass-memo.js';
import { hashValue, sha256 } from '../util/hash.js';
import type { LaterHashes, OpenPass } from '../cache/stat-cache.js';
import { inputList, keyedBy, keyedByText } from './key-list.js';
import type { Keyed, KeyParts } from './key-list.js';

/**
 * The key of a long list from its stat pass: when the stage's pass memo
 * holds a clean answer for these very stats, from the list hash it keeps
 * (the list itself built only if the stage runs: Keyed.unread); else from
 * the hashes, keeping the answer of a clean pass that read no file.
 */
export function passKey(
  parts: KeyParts,
  foreachFiles: readonly string[],
  pass: OpenPass,
  memo: string | undefined,
): Keyed {
  const { sorted } = parts;
  const any = memo === undefined ? undefined : readAnyPassMemo(memo);
  const read = any !== undefined && isMemoFor(any, sorted) ? any : undefined;
  const kept = read === undefined ? undefined : keptListHash(read, pass.stats);
  if (kept !== undefined && memo !== undefined && read !== undefined) {
    pass.end();
    return unreadKey(parts, foreachFiles, pass, { file: memo, listHash: kept, read });
  }
  const near =
    read !== undefined
      ? nearKey(parts, foreachFiles, pass, read)
      : any !== undefined
        ? alignedKey(parts, foreachFiles, pass, any)
        : undefined;
  const keyed = near ?? keyedBy(parts, inputList(sorted, foreachFiles, pass.hashes(), undefined));
  // Kept from a clean pass, a run after an edit's too: the no-op after it then finds its list hash kept.
  if (memo !== undefined && pass.isClean())
    keepListHash(memo, sorted, pass.stats, manifestListBytes(keyed.manifest), linesOver(keyed, read));
  return keyed;
}

/**
 * Where the key's list text differs from the memo's text on disk, when it
 * was patched from that text (nearKey) with every line replaced by one as
 * long, so that only those lines need writing over it.
 */
function linesOver(keyed: Keyed, memo: PassMemo | undefined): [from: number, to: number][] | undefined {
  const basis = basisOf(keyed.manifest);
  if (memo === undefined || basis === undefined || basis.hash !== memo.head.inputs) return undefined;
  const isInPlace = basis.spans.every(([oldFrom, oldTo, newFrom, newTo]) => oldFrom === newFrom && oldTo === newTo);
  return isInPlace ? basis.spans.map(([, , from, to]) => [from, to]) : undefined;
}

/** Files a pass may differ from its memo in for the list to be made from the memo's (a sixteenth of them, at most). */
const NEAR_SHARE = 16;

/**
 * The key of a long list whose stat pass differs from the stage's pass memo
 * in a few files (keptListNear): those files hashed (as the stat cache
 * answers them) and their lines made anew in the memo's list text, the
 * others' hashes read back from it. Undefined when the memo is not near.
 */
function nearKey(parts: KeyParts, foreachFiles: readonly string[], pass: OpenPass, memo: PassMemo): Keyed | undefined {
  const { sorted } = parts;
  const near = keptListNear(memo, pass.stats, Math.floor(sorted.length / NEAR_SHARE));
  if (near === undefined) return undefined;
  const lines: [string, string][] = [];
  for (const i of near.changed) lines[i] = [sorted[i] as string, listedHash(pass.hashAt(i))];
  pass.end();
  const patched = patchedInputsBytes(near.text, near.changed, lines);
  const text = patched && ListText.read(patched.bytes, sha256(patched.bytes), sorted.length);
  if (patched === undefined || text === undefined) return undefined;
  const keyed = keyedByText(parts, foreachFiles, text);
  rememberBasis(keyed.manifest, { hash: near.hash, spans: patched.spans, replaced: patched.replaced });
  return keyed;
}

/**
 * The key of a long list with files added or removed since the stage's
 * pass memo was kept, when it differs from the memo's list in a few files
 * (keptListAligned): the memo's text with the lines of those files made
 * anew, added or left out. Undefined when the memo is not near.
 */
function alignedKey(
  parts: KeyParts,
  foreachFiles: readonly string[],
  pass: OpenPass,
  memo: PassMemo,
): Keyed | undefined {
  const { sorted } = parts;
  const aligned = keptListAligned(memo, sorted, pass.stats, Math.floor(sorted.length / NEAR_SHARE));
  if (aligned === undefined) return undefined;
  const lineOf = (i: number): Buffer => Buffer.from(inputLine(sorted[i] as string, listedHash(pass.hashAt(i))));
  const made = alignedInputsBytes(aligned.text, aligned.starts, aligned.from, aligned.fresh, lineOf);
  pass.end();
  const text = made && ListText.read(made.bytes, sha256(made.bytes), sorted.length);
  if (made === undefined || text === undefined) return undefined;
  const keyed = keyedByText(parts, foreachFiles, text);
  rememberBasis(keyed.manifest, { hash: aligned.hash, spans: made.spans, replaced: made.replaced });
  return keyed;
}

/**
 * A key from a kept list hash: the manifest's `inputs` and the foreach
 * hashes are built when first asked for (the stage runs), from the memo's
 * list text (the list of these very stats), else from the files' hashes.
 * A list built so whose hash is not the memo's (a memo altered, or damaged
 * where its format cannot tell) replaces the memo: else every run would
 * take the memo's hash, find the record of the list's, and run the stage
 * again.
 */
function unreadKey(
  parts: KeyParts,
  foreachFiles: readonly string[],
  pass: OpenPass,
  memo: { file: string; listHash: string; read: PassMemo },
): Keyed {
  const { definition, code, needs, sorted } = parts;
  const manifest = buildManifest({ definition, code, inputs: [], needs });
  const fingerprint = hashValue({ ...manifest, inputs: memo.listHash });
  let full: Keyed | undefined;
  const built = (): Keyed => {
    if (full !== undefined) return full;
    // The text whose sha256 is the kept hash: no file read, though the stat cache knows none of them (rebuilt).
    const kept = memoText(memo.read);
    const text = kept && ListText.read(kept, memo.listHash, sorted.length);
    if (text !== undefined) {
      full = keyedByText(parts, foreachFiles, text);
      return full;
    }
    full = keyedBy(parts, inputList(sorted, foreachFiles, pass.hashes(), undefined));
    const list = manifestListBytes(full.manifest);
    if (list.hash !== memo.listHash && pass.isClean()) keepListHash(memo.file, sorted, pass.stats, list);
    return full;
  };
  Object.defineProperty(manifest, 'inputs', { get: () => built().manifest.inputs, enumerable: true });
  const foreachHashes = new Array<string | undefined>(foreachFiles.length);
  return {
    fingerprint,
    manifest,
    files: sorted,
    foreachFiles,
    foreachHashes,
    unread: {
      through: () => {
        if (foreachHashes.length === 0 || foreachHashes[0] !== undefined) return;
        const hashes = built().foreachHashes;
        for (let i = 0; i < foreachHashes.length; i++) foreachHashes[i] = fileHash(hashes, i);
      },
      finish: built,
      end: () => {},
    },
  };
}

/** The key of a map over files whose files are read as its items need them (Keyed.later). */
export function laterKey(parts: KeyParts, hashes: HashColumn, later: LaterHashes, memo: string | undefined): Keyed {
  const { definition, code, needs, sorted } = parts;
  // No pairs of its 100,000 files and no hashes while its items run: finish() makes the list.
  const unread = buildManifest({ definition, code, inputs: [], needs });
  return {
    fingerprint: '',
    manifest: unread,
    files: sorted,
    foreachFiles: sorted,
    foreachHashes: hashes,
    later: {
      through: (n) => later.through(n),
      kept: later.kept,
      finish: () => {
        later.through(sorted.length);
        // The list written from the hashes, with no pair per file: the cold run's peak is here.
        const text = ListText.of(sorted, hashes);
        if (memo !== undefined && later.isClean()) keepListHash(memo, sorted, later.stats, text);
        return keyedByText(parts, sorted, text);
      },
      end: () => later.end(),
    },
  };
}
