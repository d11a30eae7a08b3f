// Candidate pairs by banded locality-sensitive hashing, so that clustering
// 50k functions never scores every pair. Each vector gets one key per band
// (table); two vectors are candidates when any band gives them the same key.
// Each pair is reported once, however many bands join it; the caller
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
  const history = new BandHistory(keys, count);
  const sorted = new Int32Array(count);
  const scratch = [new Int32Array(count), new Int32Array(count)] as const;
  for (let t = 0; t < keys.length; t++) {
    const band = keys[t] as Uint32Array;
    sortByKey(band, sorted, scratch);
    for (let start = 0; start < count; ) {
      const key = band[sorted[start] as number] as number;
      let end = start + 1;
      while (end < count && band[sorted[end] as number] === key) end++;
      const windowed = end - start > MAX_BUCKET;
      if (windowed) history.window(t, sorted, start, end);
      for (let i = start; i < end; i++) {
        const a = sorted[i] as number;
        const last = windowed ? Math.min(end, i + 1 + WINDOW) : end;
        for (let j = i + 1; j < last; j++) {
          const b = sorted[j] as number;
          // The filter first: it vetoes six candidates in seven, and few
          // pairs share more than one band (12% on generated code).
          if (filter && !filter(a, b)) continue;
          if (history.joined(a, b, t)) continue;
          consider(a, b);
        }
      }
      start = end;
    }
  }
}

/**
 * Whether an earlier band already joined a pair, from the keys themselves:
 * this replaced a set of the pair ids that passed the filter, a third of a
 * million on 20k functions, whose inserts and garbage cost more than this
 * check, and which overflowed (a Set holds at most 2^24 entries) with
 * hyperplane bands on 20k functions. One byte of every key, row by row,
 * rules out most bands without touching the keys.
 */
class BandHistory {
  readonly #keys: readonly Uint32Array[];
  readonly #bands: number;
  readonly #tags: Uint8Array;
  /** Per band with a bucket over MAX_BUCKET: each member's place in that bucket, -1 for vectors in no such bucket. */
  readonly #places: (Int32Array | undefined)[];

  constructor(keys: readonly Uint32Array[], count: number) {
    this.#keys = keys;
    this.#bands = keys.length;
    this.#tags = new Uint8Array(count * keys.length);
    this.#places = keys.map(() => undefined);
    for (let t = 0; t < keys.length; t++) {
      const band = keys[t] as Uint32Array;
      for (let v = 0; v < count; v++) this.#tags[v * keys.length + t] = (band[v] as number) & 0xff;
    }
  }

  /** Records that band t's bucket sorted[start..end) pairs each member with its next WINDOW members only. */
  window(t: number, sorted: Int32Array, start: number, end: number): void {
    let places = this.#places[t];
    if (!places) {
      places = new Int32Array(sorted.length).fill(-1);
      this.#places[t] = places;
    }
    for (let i = start; i < end; i++) places[sorted[i] as number] = i - start;
  }

  /** Whether a band before t put a and b in one bucket, within WINDOW of each other if it was windowed. */
  joined(a: number, b: number, t: number): boolean {
    const rowA = a * this.#bands;
    const rowB = b * this.#bands;
    for (let u = 0; u < t; u++) {
      if (this.#tags[rowA + u] !== this.#tags[rowB + u]) continue;
      const band = this.#keys[u] as Uint32Array;
      if (band[a] !== band[b]) continue;
      const places = this.#places[u];
      const placeA = places ? (places[a] as number) : -1;
      if (placeA < 0 || Math.abs(placeA - (places?.[b] as number)) <= WINDOW) return true;
    }
    return false;
  }
}

/**
 * Indices 0..n-1 into `out`, ordered by (key, index): a stable LSD radix
 * sort, 11 bits per pass. It replaced sorting key * 2^21 + index in a
 * Float64Array, which took 2 ms a band on 20k functions, 60 bands a run.
 */
function sortByKey(keys: Uint32Array, out: Int32Array, scratch: readonly [Int32Array, Int32Array]): void {
  const n = out.length;
  const counts = new Int32Array(RADIX);
  let from: Int32Array | undefined;
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    const to = shift + RADIX_BITS >= 32 ? out : (scratch[shift === 0 ? 0 : 1] as Int32Array);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const digit = ((keys[from ? (from[i] as number) : i] as number) >>> shift) & (RADIX - 1);
      counts[digit] = (counts[digit] as number) + 1;
    }
    for (let d = 0, sum = 0; d < RADIX; d++) {
      const size = counts[d] as number;
      counts[d] = sum;
      sum += size;
    }
    for (let i = 0; i < n; i++) {
      const index = from ? (from[i] as number) : i;
      const digit = ((keys[index] as number) >>> shift) & (RADIX - 1);
      to[counts[digit] as number] = index;
      counts[digit] = (counts[digit] as number) + 1;
    }
    from = to;
  }
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

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
  const keys = Array.from({ length: bands }, () => new Uint32Array(sketches.length));
  for (let v = 0; v < sketches.length; v++) {
    const sketch = sketches[v] as Uint8Array;
    for (let band = 0; band < bands; band++) {
      let h = 0x811c9dc5;
      for (let r = 0; r < MINHASH_ROWS; r++) h = Math.imul(h ^ (sketch[band * MINHASH_ROWS + r] as number), 0x01000193);
      (keys[band] as Uint32Array)[v] = h >>> 0;
    }
  }
  return keys;
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
