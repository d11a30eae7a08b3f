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
