// A stage's input list made from an older one's text (the pass memo's,
// pass-memo.ts) when only a few of its files changed: the lines of those
// written in place of the old ones (patchedInputsBytes), the new text held
// by the manifest (list-text.ts, its pairs read back from it only if asked
// for), and what it was patched from kept by the manifest (rememberBasis),
// so that storing it can name the older list's chunks around the lines
// replaced (record.ts). The text is the one
// inputsBytes (fingerprint.ts) makes from the list; tests compare the two.
import type { Manifest } from './fingerprint.js';
import { inputLine } from './list-text.js';

/** A line patchedInputsBytes replaced: its bytes [oldFrom, oldTo) in the old text, [newFrom, newTo) in the new. */
export type PatchedSpan = [oldFrom: number, oldTo: number, newFrom: number, newTo: number];

/**
 * inputsText's bytes `old` with the lines of rows `rows` (ascending) made
 * anew from `inputs` (the whole new list, which differs from the old one
 * only there): what inputsBytes would give for `inputs`, without encoding
 * the lines that stayed, where the lines replaced lie in both, and the old
 * ones' bytes (`replaced`, one after the other). Written
 * over `old` itself when every new line is as long as the one it replaces
 * (an edit: one hash for another), else a new buffer. Undefined when `old`
 * has fewer lines than a row.
 */
export function patchedInputsBytes(
  old: Buffer,
  rows: readonly number[],
  inputs: readonly (readonly [string, string])[],
): { bytes: Buffer; spans: PatchedSpan[]; replaced: Buffer } | undefined {
  const lines: [from: number, to: number, line: Buffer][] = [];
  let line = 0;
  let at = 0;
  for (const row of rows) {
    for (; line < row; line++) {
      at = old.indexOf(0x0a, at) + 1;
      if (at === 0) return undefined;
    }
    const end = old.indexOf(0x0a, at) + 1;
    const input = inputs[row];
    if (end === 0 || input === undefined) return undefined;
    lines.push([at, end, Buffer.from(inputLine(input[0], input[1]))]);
    at = end;
    line++;
  }
  let shift = 0;
  const spans = lines.map(([from, to, bytes]): PatchedSpan => {
    const span: PatchedSpan = [from, to, from + shift, from + shift + bytes.length];
    shift += bytes.length - (to - from);
    return span;
  });
  // The old lines, copied before they are written over.
  const replaced = Buffer.concat(lines.map(([from, to]) => old.subarray(from, to)));
  if (lines.every(([from, to, bytes]) => bytes.length === to - from)) {
    for (const [from, , bytes] of lines) old.set(bytes, from);
    return { bytes: old, spans, replaced };
  }
  const parts: Uint8Array[] = [];
  let copied = 0;
  for (const [from, to, bytes] of lines) {
    parts.push(old.subarray(copied, from), bytes);
    copied = to;
  }
  parts.push(old.subarray(copied));
  return { bytes: Buffer.concat(parts), spans, replaced };
}

/**
 * The list text of `from.length` rows made from `old`, a list text whose
 * lines start at `starts` (one more entry: its end): row i is old row
 * from[i]'s line, except the rows `fresh` (ascending: every row whose
 * from[i] is -1, and rows whose file changed), whose lines are
 * `lineOf(i)`; the old rows no row names are left out. What inputsBytes
 * gives for the new list when the lines kept are its lines, with where the
 * lines replaced, added and removed lie in both texts and the old bytes
 * of those places. Undefined when `from` is not ascending.
 */
export function alignedInputsBytes(
  old: Buffer,
  starts: Uint32Array,
  from: Int32Array,
  fresh: readonly number[],
  lineOf: (row: number) => Buffer,
): { bytes: Buffer; spans: PatchedSpan[]; replaced: Buffer } | undefined {
  const oldRows = starts.length - 1;
  const isFresh = new Uint8Array(from.length);
  for (const row of fresh) isFresh[row] = 1;
  const kept = (i: number, j: number): boolean => i < from.length && from[i] === j && isFresh[i] === 0;
  const parts: Buffer[] = [];
  const spans: PatchedSpan[] = [];
  const replaced: Buffer[] = [];
  let size = 0;
  /** Old rows [copyFrom, j) are kept and not yet copied. */
  let copyFrom = 0;
  let i = 0;
  let j = 0;
  while (i < from.length || j < oldRows) {
    if (kept(i, j)) {
      i++;
      j++;
      continue;
    }
    const keptBytes = old.subarray(starts[copyFrom], starts[j]);
    parts.push(keptBytes);
    size += keptBytes.length;
    const [oldFrom, newFrom] = [starts[j] as number, size];
    // The rows that differ: each new row added or replaced, each old row no new row names removed.
    while ((i < from.length || j < oldRows) && !kept(i, j)) {
      const f = i < from.length ? (from[i] as number) : -1;
      if (i < from.length && (f === -1 || f === j)) {
        const line = lineOf(i);
        parts.push(line);
        size += line.length;
        if (f === j) j++;
        i++;
      } else if (j < oldRows && (i === from.length || f > j)) j++;
      else return undefined;
    }
    spans.push([oldFrom, starts[j] as number, newFrom, size]);
    replaced.push(old.subarray(oldFrom, starts[j]));
    copyFrom = j;
  }
  parts.push(old.subarray(starts[copyFrom], starts[oldRows]));
  return { bytes: Buffer.concat(parts), spans, replaced: Buffer.concat(replaced) };
}

/**
 * The list a list was patched from (patchedInputsBytes): its hash and the
 * lines replaced, by the new list's manifest. When that is the list the
 * stage's last record here was keyed by, the new list is stored by naming
 * that one's chunks around the lines replaced (record.ts, manifestEntry),
 * and the reason the stage runs is found in those lines alone
 * (loadManifests).
 */
export interface ListBasis {
  hash: string;
  spans: PatchedSpan[];
  /** The old list's bytes of each span, one after the other. */
  replaced: Buffer;
}

const bases = new WeakMap<Manifest, ListBasis>();

/** Notes that `manifest`'s input list was patched from `basis`. */
export function rememberBasis(manifest: Manifest, basis: ListBasis): void {
  bases.set(manifest, basis);
}

export function basisOf(manifest: Manifest): ListBasis | undefined {
  return bases.get(manifest);
}
