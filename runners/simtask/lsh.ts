// Candidate pairs by banded locality-sensitive hashing, so that clustering
// 50k functions never scores every pair. Each vector gets one key per band
// (table); two vectors are candidates when any band gives them the same key.
// Each pair is reported once (the first time a band joins it); the caller
// scores candidates exactly, so LSH can only lose pairs, never invent them.
// Two ways to make band keys:
//   minhash      (local embedder) 4 MinHash values of the features per
//                band, 60 bands: a pair with Jaccard 0.6 (the median of
//                pairs above the threshold) is a candidate with probability
//                0.9995, at 0.5 (the loosest planted copy) 0.98, at 0.4 0.79,
//                at 0.2 (the 99th percentile of unrelated pairs in this
//                repository) 0.09, at 0.05 (their median) 0.0004. Union-find
//                needs one path between copies, not every pair.
//   hyperplanes  (any embedder, e.g. Ollama's) random-hyperplane sign bits:
//                a 128-bit signature per vector, each of 32 tables keyed by
//                its own random sample of those bits. The sample size is
//                chosen from the threshold so that a pair exactly at the
//                threshold shares a table with probability >= 0.1, hence is
//                found with probability >= 1 - 0.9^32 = 0.97; a pair whose
//                signatures differ in more bits than the threshold allows
//                (3.5 standard deviations of slack) is not reported.
// Everything is seeded: the same vectors give the same candidates.
import { mulberry32 } from '../lib/random.js';
import { simdKernels } from './simd.js';
import type { Vectors } from './vectors.js';

export const MINHASH_ROWS = 4;
// A bucket this large is a family of (near-)identical functions, or bad
// luck: every member is compared with its next WINDOW members only (in
// index order), which keeps the family connected for union-find while the
// pair count stays linear in its size.
const MAX_BUCKET = 500;
const WINDOW = 64;

export interface HyperplaneOptions {
  threshold: number;
  planes?: number;
  tables?: number;
  seed?: number;
}

/** Calls `consider(a, b)` (a < b) once per candidate pair; `filter` can veto a pair first. */
export function bandedPairs(
  keys: readonly Uint32Array[],
  count: number,
  consider: (a: number, b: number) => void,
  filter?: (a: number, b: number) => boolean,
): void {
  if (count >= INDEX_SPAN) throw new RangeError(`LSH handles up to ${INDEX_SPAN - 1} vectors, not ${count}`);
  // key * 2^21 + index is exact in a double for up to 2M vectors, and a
  // Float64Array sorts natively: no comparator call per comparison.
  const sorted = new Float64Array(count);
  // One bucket's vector indices, as integers: taken out of `sorted` once,
  // not once per pair.
  const members = new Int32Array(count);
  const seen = new Set<number>();
  for (let t = 0; t < keys.length; t++) {
    const band = keys[t] as Uint32Array;
    for (let i = 0; i < count; i++) sorted[i] = (band[i] as number) * INDEX_SPAN + i;
    sorted.sort();
    for (let start = 0; start < count; ) {
      const key = Math.floor((sorted[start] as number) / INDEX_SPAN);
      let end = start + 1;
      while (end < count && Math.floor((sorted[end] as number) / INDEX_SPAN) === key) end++;
      const size = end - start;
      const reach = size > MAX_BUCKET ? WINDOW : size;
      for (let i = 0; i < size; i++) members[i] = (sorted[start + i] as number) % INDEX_SPAN;
      for (let i = 0; i < size; i++) {
        const a = members[i] as number;
        const last = Math.min(size, i + 1 + reach);
        for (let j = i + 1; j < last; j++) {
          const b = members[j] as number;
          if (filter && !filter(a, b)) continue;
          // Few pairs share more than one band (12% on generated code), and
          // most fail the filter: a set of the pairs that passed it is
          // cheaper than asking every pair whether an earlier band joined it.
          const pair = a * count + b;
          if (seen.has(pair)) continue;
          seen.add(pair);
          consider(a, b);
        }
      }
      start = end;
    }
  }
}

const INDEX_SPAN = 2 ** 21;

/**
 * Vetoes candidates whose sketches estimate a Jaccard similarity below
 * `minJaccard`. Most candidates share a bucket by chance at Jaccard 0.1 to
 * 0.2, while pairs above the cosine threshold estimate at >= 0.25 in 99% of
 * cases (measured on this repository and on node_modules code). The check
 * must cost far less than the 512-dimension dot product it saves, and
 * candidate pairs hit memory at random, so it reads one 64-byte cache line
 * per function: its first 64 slots.
 */
export function sketchFilter(sketches: readonly Uint8Array[], minJaccard: number): (a: number, b: number) => boolean {
  const slots = Math.min(FILTER_SLOTS, sketches[0]?.length ?? 0);
  const words = slots >>> 2;
  const width = words * 4;
  const needed = Math.ceil(minJaccard * width);
  // The first `width` bytes of every sketch, back to back (in SIMD memory when it can be used).
  const kernels = width > 0 && width % 16 === 0 ? simdKernels(sketches.length * width) : undefined;
  const bytes = kernels ? kernels.bytes : new Uint8Array(sketches.length * width);
  sketches.forEach((sketch, v) => {
    bytes.set(sketch.subarray(0, width), v * width);
  });
  if (kernels) return (a, b) => kernels.matches(a * width, b * width, width) >= needed;
  // Four slots per 32-bit word.
  const packed = new Uint32Array(bytes.buffer, bytes.byteOffset, sketches.length * words);
  return (a, b) => {
    let matches = 0;
    const offsetA = a * words;
    const offsetB = b * words;
    for (let w = 0; w < words; w++) {
      const x = (packed[offsetA + w] as number) ^ (packed[offsetB + w] as number);
      if ((x & 0xff) === 0) matches++;
      if ((x & 0xff00) === 0) matches++;
      if ((x & 0xff0000) === 0) matches++;
      if ((x & 0xff000000) === 0) matches++;
    }
    return matches >= needed;
  };
}

const FILTER_SLOTS = 64;

/** One key per band of MINHASH_ROWS sketch values, for every sketch (all of one length). */
export function minhashBands(sketches: readonly Uint8Array[]): Uint32Array[] {
  const size = sketches[0]?.length ?? 0;
  const bands = Math.floor(size / MINHASH_ROWS);
  return Array.from({ length: bands }, (_, band) => {
    const keys = new Uint32Array(sketches.length);
    sketches.forEach((sketch, v) => {
      let h = 0x811c9dc5;
      for (let r = 0; r < MINHASH_ROWS; r++) h = Math.imul(h ^ (sketch[band * MINHASH_ROWS + r] as number), 0x01000193);
      keys[v] = h >>> 0;
    });
    return keys;
  });
}

export function hyperplaneBands(
  vectors: Vectors,
  options: HyperplaneOptions,
): { keys: Uint32Array[]; filter: (a: number, b: number) => boolean } {
  const planes = options.planes ?? 128;
  const tables = options.tables ?? 32;
  const seed = options.seed ?? 0x5eed;
  const words = Math.ceil(planes / 32);
  const signatures = signaturesOf(vectors, planes, seed);
  const p = Math.acos(Math.max(-1, Math.min(1, options.threshold))) / Math.PI;
  const bits = Math.max(4, Math.min(24, Math.floor(Math.log(0.1) / Math.log(1 - Math.max(p, 1e-6)))));
  const random = mulberry32(seed ^ 0xa5a5a5a5);
  const keys = Array.from({ length: tables }, () => {
    const sample = sampleBits(planes, bits, random);
    const out = new Uint32Array(vectors.count);
    for (let v = 0; v < vectors.count; v++) {
      let key = 0;
      for (const [position, bit] of sample.entries()) {
        if (((signatures[v * words + (bit >>> 5)] as number) >>> (bit & 31)) & 1) key |= 1 << position;
      }
      out[v] = key >>> 0;
    }
    return out;
  });
  const maxDistance = Math.ceil(planes * p + 3.5 * Math.sqrt(planes * p * (1 - p)));
  return { keys, filter: (a, b) => hamming(signatures, words, a, b) <= maxDistance };
}

function signaturesOf(vectors: Vectors, planes: number, seed: number): Uint32Array {
  const { data, count, dim } = vectors;
  const words = Math.ceil(planes / 32);
  const random = mulberry32(seed);
  const normals = new Float32Array(planes * dim);
  for (let i = 0; i < normals.length; i++) normals[i] = gaussian(random);
  const signatures = new Uint32Array(count * words);
  for (let v = 0; v < count; v++) {
    const offset = v * dim;
    for (let p = 0; p < planes; p++) {
      const plane = p * dim;
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += (data[offset + i] as number) * (normals[plane + i] as number);
      const word = v * words + (p >>> 5);
      if (sum >= 0) signatures[word] = ((signatures[word] as number) | (1 << (p & 31))) >>> 0;
    }
  }
  return signatures;
}

function sampleBits(planes: number, bits: number, random: () => number): number[] {
  const all = Array.from({ length: planes }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all.slice(0, Math.min(bits, 32));
}

function hamming(signatures: Uint32Array, words: number, a: number, b: number): number {
  let distance = 0;
  for (let w = 0; w < words; w++) {
    let x = ((signatures[a * words + w] as number) ^ (signatures[b * words + w] as number)) >>> 0;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    distance += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return distance;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
