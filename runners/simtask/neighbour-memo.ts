// What cluster keeps in ctx.memo between runs, so that a rerun after a small
// edit scores only the pairs that touch what changed: every function's
// top-k neighbour list from the last run, by function id, with a
// fingerprint of the vector and sketch each list was made from.
//
// Why the lists it keeps are the lists a full pass would make: a pair's
// candidacy (its band keys and the sketch filter) and its score depend on
// the two functions alone, so between two unchanged functions nothing
// changed. A function is dirty, its list made again from all its
// candidates, when it changed (new, or another vector or sketch) or when its
// kept list held a function that changed or went (dropping it can let in
// one the list had no room for). Any other function keeps its list, and is
// offered only the changed functions, which is all it has not seen.
// Except in a bucket too large to pair in full (lsh.ts's MAX_BUCKET), where
// each member is paired with the next few only: which pairs those are
// depends on every member. So the memo keeps each such bucket's members,
// and when a bucket's members are not what they were (or it grew into one,
// or shrank out of one), every member is dirty. Lists are kept only from
// LSH passes (the exact path is for small counts).
import type { Window } from './lsh.js';
import type { Reuse, TopK } from './neighbours.js';
import type { Vectors } from './vectors.js';

/** Past this share of dirty functions a full pass costs about as much, and keeps no stale state. */
const MAX_DIRTY_SHARE = 0.5;

export interface NeighbourMemo {
  /** The options, the band kind and the dimension the lists were made under. */
  settings: string;
  /** A 53-bit hash of each function id, in list order (a Float64Array, base64): the ids themselves are most of a memo's size. */
  ids: string;
  /** Two 32-bit hashes per function (vector, sketch), base64. */
  prints: string;
  /** Entries per function (Uint8Array), then every entry's function (Int32Array) and similarity (Float64Array), base64. */
  filled: string;
  index: string;
  similarity: string;
  /** The windowed buckets, base64 of a Uint32Array: band, key, member count, members; and so on. */
  windows: string;
}

/**
 * The settings lists are made under. `code`: the stage's (ctx.code), which
 * holds the sources that decide candidates and scores: lists kept by other
 * code are none.
 */
export function neighbourSettings(
  options: { threshold: number; k: number; hasSketches: boolean; code?: string },
  dim: number,
): string {
  return `code=${options.code ?? ''} threshold=${options.threshold} k=${options.k} bands=${options.hasSketches ? 'minhash' : 'hyperplane'} dim=${dim}`;
}

/** Per function: a hash of its vector's bytes and one of its sketch's. */
export function fingerprints(vectors: Vectors, sketches: readonly Uint8Array[] | undefined): Uint32Array {
  const prints = new Uint32Array(vectors.count * 2);
  for (let v = 0; v < vectors.count; v++) {
    prints[2 * v] = hashBytes(vectors.data.subarray(v * vectors.dim, (v + 1) * vectors.dim));
    const sketch = sketches?.[v];
    prints[2 * v + 1] = sketch ? hashBytes(sketch) : 0;
  }
  return prints;
}

/**
 * Each id as a 53-bit number (two 32-bit string hashes, one cut to 21
 * bits): two of 20,000 ids share one with a chance of about 1 in 45
 * million, and even then a list is kept only for a function whose vector
 * and sketch hashes match as well; otherwise it is looked at again.
 */
export function idHashes(ids: readonly string[]): Float64Array {
  const out = new Float64Array(ids.length);
  ids.forEach((id, n) => {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    out[n] = (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
  });
  return out;
}

/** FNV-1a over the bytes, four at a time where they are aligned for it. */
function hashBytes(bytes: Int8Array | Uint8Array): number {
  let h = 0x811c9dc5;
  const words = bytes.byteOffset % 4 === 0 ? bytes.length >>> 2 : 0;
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset, words);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ (view[i] as number), 0x01000193);
  }
  for (let i = words * 4; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

/**
 * The head start a kept memo gives this run's functions (`ids` in list
 * order, `prints` from fingerprints()); undefined when there is none to
 * take: no memo, other settings, or too much changed.
 */
export function reuseFrom(
  previous: unknown,
  settings: string,
  ids: Float64Array,
  prints: Uint32Array,
): Reuse | undefined {
  const memo = decode(previous, settings);
  if (!memo) return undefined;
  const oldIndex = new Map<number, number>();
  for (let i = 0; i < memo.ids.length; i++) oldIndex.set(memo.ids[i] as number, i);
  const oldCount = memo.ids.length;
  const toNew = new Int32Array(oldCount).fill(-1);
  const changed = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const old = oldIndex.get(ids[i] as number);
    const isSame =
      old !== undefined &&
      toNew[old] === -1 &&
      memo.prints[2 * old] === prints[2 * i] &&
      memo.prints[2 * old + 1] === prints[2 * i + 1];
    if (isSame) toNew[old] = i;
    else changed[i] = 1;
  }
  const dirty = changed.slice();
  const mark = (members: Int32Array, map?: Int32Array): void => {
    for (const m of members) {
      const now = map ? (map[m] as number) : m;
      if (now !== -1) dirty[now] = 1;
    }
  };
  const starts = new Int32Array(oldCount + 1);
  for (let old = 0; old < oldCount; old++) starts[old + 1] = (starts[old] as number) + (memo.filled[old] as number);
  let dirtyCount = 0;
  for (let old = 0; old < oldCount; old++) {
    const now = toNew[old] as number;
    if (now === -1) continue;
    for (let e = starts[old] as number; e < (starts[old + 1] as number); e++)
      if (toNew[memo.index[e] as number] === -1) dirty[now] = 1;
  }
  for (let i = 0; i < dirty.length; i++) dirtyCount += dirty[i] as number;
  if (dirtyCount > ids.length * MAX_DIRTY_SHARE) return undefined;
  return {
    changed,
    dirty,
    windowsBefore: memo.windows,
    settle(windows: readonly Window[]): void {
      const before = new Map(memo.windows.map((w) => [`${w.t}:${w.key}`, w.members]));
      for (const { t, key, members } of windows) {
        const old = before.get(`${t}:${key}`);
        before.delete(`${t}:${key}`);
        const isSame =
          old !== undefined &&
          old.length === members.length &&
          old.every((m) => toNew[m] !== -1) &&
          members.every((m) => changed[m] === 0);
        if (isSame) continue;
        mark(members);
        if (old) mark(old, toNew);
      }
      // Buckets that shrank out of a window: their members now pair in full.
      for (const old of before.values()) mark(old, toNew);
    },
    seed(top: TopK): void {
      for (let old = 0; old < oldCount; old++) {
        const now = toNew[old] as number;
        if (now === -1 || dirty[now] === 1) continue;
        for (let e = starts[old] as number; e < (starts[old + 1] as number); e++)
          top.push(now, toNew[memo.index[e] as number] as number, memo.similarity[e] as number);
      }
    },
  };
}

/** The memo of this run's lists. */
export function memoOf(
  top: TopK,
  settings: string,
  ids: Float64Array,
  prints: Uint32Array,
  windows: readonly Window[],
): NeighbourMemo {
  const filled = new Uint8Array(top.count);
  let total = 0;
  for (let v = 0; v < top.count; v++) {
    filled[v] = top.filledOf(v);
    total += top.filledOf(v);
  }
  const index = new Int32Array(total);
  const similarity = new Float64Array(total);
  let e = 0;
  for (let v = 0; v < top.count; v++) {
    for (let slot = 0; slot < top.filledOf(v); slot++, e++) {
      index[e] = top.indexAt(v, slot);
      similarity[e] = top.similarityAt(v, slot);
    }
  }
  return {
    settings,
    ids: base64(ids),
    prints: base64(prints),
    filled: base64(filled),
    index: base64(index),
    similarity: base64(similarity),
    windows: base64(Uint32Array.from(windows.flatMap((w) => [w.t, w.key, w.members.length, ...w.members]))),
  };
}

function base64(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

interface Decoded {
  windows: Window[];
  ids: Float64Array;
  prints: Uint32Array;
  filled: Uint8Array;
  index: Int32Array;
  similarity: Float64Array;
}

/** A memo made under `settings`, whole and consistent; else undefined. */
function decode(value: unknown, settings: string): Decoded | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const memo = value as Partial<Record<keyof NeighbourMemo, unknown>>;
  const fields = [memo.ids, memo.prints, memo.filled, memo.index, memo.similarity, memo.windows];
  if (memo.settings !== settings || !fields.every((f) => typeof f === 'string')) return undefined;
  const ids = typed(memo.ids as string, Float64Array);
  const prints = typed(memo.prints as string, Uint32Array);
  const filled = typed(memo.filled as string, Uint8Array);
  const index = typed(memo.index as string, Int32Array);
  const similarity = typed(memo.similarity as string, Float64Array);
  const windows = windowsOf(typed(memo.windows as string, Uint32Array), ids.length);
  let total = 0;
  for (const n of filled) total += n;
  const isConsistent =
    windows !== undefined &&
    prints.length === 2 * ids.length &&
    filled.length === ids.length &&
    index.length === total &&
    similarity.length === total &&
    index.every((i) => i >= 0 && i < ids.length);
  return isConsistent ? { windows, ids, prints, filled, index, similarity } : undefined;
}

/** The windowed buckets memoOf packed; undefined when they do not parse, or name a function that is not there. */
function windowsOf(packed: Uint32Array, count: number): Window[] | undefined {
  const windows: Window[] = [];
  for (let at = 0; at < packed.length; ) {
    const size = packed[at + 2];
    if (size === undefined || at + 3 + size > packed.length) return undefined;
    const members = Int32Array.from(packed.subarray(at + 3, at + 3 + size));
    if (members.some((m) => m < 0 || m >= count)) return undefined;
    windows.push({ t: packed[at] as number, key: packed[at + 1] as number, members });
    at += 3 + size;
  }
  return windows;
}

function typed<T extends Uint32Array | Uint8Array | Int32Array | Float64Array>(
  text: string,
  Kind: { new (length: number): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = Buffer.from(text, 'base64');
  // A copy into an array of its own: the decoded buffer may not be aligned for the element size.
  const out = new Kind(Math.floor(bytes.length / Kind.BYTES_PER_ELEMENT));
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * Kind.BYTES_PER_ELEMENT));
  return out;
}
