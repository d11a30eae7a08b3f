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
//   hyperplanes  (hyperplanes.ts; any embedder, e.g. Ollama's) random-hyperplane sign bits:
//                a 128-bit signature per vector, each of 32 tables keyed by
//                its own random sample of those bits. The sample size is
//                chosen from the threshold so that a pair exactly at the
//                threshold shares a table with probability >= 0.1, hence is
//                found with probability >= 1 - 0.9^32 = 0.97; a pair whose
//                signatures differ in more bits than the threshold allows
//                (3.5 standard deviations of slack) is not reported.
// Everything is seeded: the same vectors give the same candidates.
import { simdKernels } from './simd.js';

export const MINHASH_ROWS = 4;
// A bucket this large is a family of (near-)identical functions, or bad
// luck: every member is compared with its next WINDOW members only (in
// index order), which keeps the family connected for union-find while the
// pair count stays linear in its size.
const MAX_BUCKET = 500;
const WINDOW = 64;

/** A bucket over MAX_BUCKET, so paired by window: band t's vectors with key `key`, in index order. */
export interface Window {
  t: number;
  key: number;
  members: Int32Array;
}

/**
 * Calls `consider(a, b)` (a < b) once per candidate pair; `filter` can veto a
 * pair first. Returns the buckets it paired by window.
 */
export function bandedPairs(
  keys: readonly Uint32Array[],
  count: number,
  consider: (a: number, b: number) => void,
  filter?: (a: number, b: number) => boolean,
): Window[] {
  const history = new BandHistory(keys, count, true);
  const pairs = new BucketPairs(history, consider, filter, undefined);
  const windows: Window[] = [];
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
      if (windowed) windows.push({ t, key, members: sorted.slice(start, end) });
      pairs.visit(t, sorted, start, end, windowed);
      start = end;
    }
  }
  return windows;
}

/**
 * The candidate pairs of bandedPairs that touch a vector flagged in `only`
 * (an incremental run: neighbour-memo.ts), without sorting a band: one scan
 * of each band's keys finds the buckets the flagged vectors are in.
 */
export function flaggedPairs(
  keys: readonly Uint32Array[],
  consider: (a: number, b: number) => void,
  filter: ((a: number, b: number) => boolean) | undefined,
  only: Uint8Array,
): void {
  const history = new BandHistory(keys, only.length, false);
  const pairs = new BucketPairs(history, consider, filter, only);
  const flagged = flaggedOf(only);
  keys.forEach((band, t) => {
    for (const members of bucketsOf(band, new Set(flagged.map((v) => band[v] as number))).values()) {
      const windowed = members.length > MAX_BUCKET;
      if (windowed) history.window(t, members, 0, members.length);
      pairs.visit(t, members, 0, members.length, windowed);
    }
  });
}

/**
 * The windowed buckets of a band set in which only the vectors `changed`
 * are new, given the windowed buckets of the last run (`before`): a bucket
 * over MAX_BUCKET now either holds a changed vector or held more before.
 */
export function windowsNow(
  keys: readonly Uint32Array[],
  changed: Uint8Array,
  before: readonly { t: number; key: number }[],
): Window[] {
  const windows: Window[] = [];
  // Found once: a scan of 20,000 flags in each of 60 bands was most of a one-edit rerun's 60-100 ms here.
  const changedAt = flaggedOf(changed);
  keys.forEach((band, t) => {
    const wanted = new Set(before.filter((w) => w.t === t).map((w) => w.key));
    for (const v of changedAt) wanted.add(band[v] as number);
    for (const [key, members] of bucketsOf(band, wanted))
      if (members.length > MAX_BUCKET) windows.push({ t, key, members });
  });
  return windows;
}

/** The indices flagged 1 in `flags`. */
function flaggedOf(flags: Uint8Array): number[] {
  const flagged: number[] = [];
  for (let v = flags.indexOf(1); v !== -1; v = flags.indexOf(1, v + 1)) flagged.push(v);
  return flagged;
}

/** Up to this many keys wanted, a band is searched once per key (bucketsOf). */
const SEARCHED_KEYS = 16;

/**
 * The members of the buckets with keys `wanted`, in index order, buckets in
 * the order of their first member. A few keys (a rerun's changed vectors)
 * are searched for with the typed array's own indexOf, a native loop: a
 * one-edit rerun scans 60 bands twice in a process of its own, where the
 * loop below has not been compiled yet and cost 28 ms a pass (indexOf 2 ms).
 */
function bucketsOf(band: Uint32Array, wanted: ReadonlySet<number>): Map<number, Int32Array> {
  if (wanted.size === 0) return new Map();
  if (wanted.size <= SEARCHED_KEYS) return searchedBuckets(band, wanted);
  const lists = new Map<number, number[]>();
  // Most keys are not wanted: a bit per low 16 bits of a key rules them out before the set is asked.
  const maybe = new Uint8Array(8192);
  for (const key of wanted) maybe[(key & 0xffff) >>> 3] = (maybe[(key & 0xffff) >>> 3] as number) | (1 << (key & 7));
  for (let v = 0; v < band.length; v++) {
    const key = band[v] as number;
    if ((((maybe[(key & 0xffff) >>> 3] as number) >>> (key & 7)) & 1) === 0 || !wanted.has(key)) continue;
    const list = lists.get(key);
    if (list) list.push(v);
    else lists.set(key, [v]);
  }
  return new Map([...lists].map(([key, list]) => [key, Int32Array.from(list)]));
}

/** bucketsOf by one indexOf search of the band per key. */
function searchedBuckets(band: Uint32Array, wanted: ReadonlySet<number>): Map<number, Int32Array> {
  const found: [key: number, members: Int32Array][] = [];
  for (const key of wanted) {
    const members: number[] = [];
    for (let v = band.indexOf(key); v !== -1; v = band.indexOf(key, v + 1)) members.push(v);
    if (members.length > 0) found.push([key, Int32Array.from(members)]);
  }
  return new Map(found.sort((a, b) => (a[1][0] as number) - (b[1][0] as number)));
}

function anyFlagged(only: Uint8Array, sorted: Int32Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (only[sorted[i] as number] === 1) return true;
  return false;
}

/** Walks the candidate pairs of buckets (one object per pass: buckets number a million on 20k functions). */
class BucketPairs {
  readonly #history: BandHistory;
  readonly #consider: (a: number, b: number) => void;
  readonly #filter: ((a: number, b: number) => boolean) | undefined;
  readonly #only: Uint8Array | undefined;

  constructor(
    history: BandHistory,
    consider: (a: number, b: number) => void,
    filter: ((a: number, b: number) => boolean) | undefined,
    only: Uint8Array | undefined,
  ) {
    this.#history = history;
    this.#consider = consider;
    this.#filter = filter;
    this.#only = only;
  }

  /** The pairs of band t's bucket sorted[start..end). */
  visit(t: number, sorted: Int32Array, start: number, end: number, windowed: boolean): void {
    const only = this.#only;
    if (only && !anyFlagged(only, sorted, start, end)) return;
    const filter = this.#filter;
    for (let i = start; i < end; i++) {
      const a = sorted[i] as number;
      const isFlagged = only === undefined || only[a] === 1;
      const last = windowed ? Math.min(end, i + 1 + WINDOW) : end;
      for (let j = i + 1; j < last; j++) {
        const b = sorted[j] as number;
        if (!isFlagged && only?.[b] !== 1) continue;
        // The filter first: it vetoes six candidates in seven, and few
        // pairs share more than one band (12% on generated code).
        if (filter && !filter(a, b)) continue;
        if (this.#history.joined(a, b, t)) continue;
        this.#consider(a, b);
      }
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
  readonly #count: number;
  /** One byte of each key, vector by vector (undefined: the keys are compared, for a pass over few pairs). */
  readonly #tags: Uint8Array | undefined;
  /** Per band with a bucket over MAX_BUCKET: each member's place in that bucket, -1 for vectors in no such bucket. */
  readonly #places: (Int32Array | undefined)[];

  constructor(keys: readonly Uint32Array[], count: number, withTags: boolean) {
    this.#keys = keys;
    this.#bands = keys.length;
    this.#count = count;
    this.#places = keys.map(() => undefined);
    this.#tags = withTags ? new Uint8Array(count * keys.length) : undefined;
    for (let t = 0; withTags && t < keys.length; t++) {
      const band = keys[t] as Uint32Array;
      for (let v = 0; v < count; v++) (this.#tags as Uint8Array)[v * keys.length + t] = (band[v] as number) & 0xff;
    }
  }

  /** Records that band t's bucket sorted[start..end) pairs each member with its next WINDOW members only. */
  window(t: number, sorted: Int32Array, start: number, end: number): void {
    let places = this.#places[t];
    if (!places) {
      places = new Int32Array(this.#count).fill(-1);
      this.#places[t] = places;
    }
    for (let i = start; i < end; i++) places[sorted[i] as number] = i - start;
  }

  /** Whether a band before t put a and b in one bucket, within WINDOW of each other if it was windowed. */
  joined(a: number, b: number, t: number): boolean {
    const rowA = a * this.#bands;
    const rowB = b * this.#bands;
    const tags = this.#tags;
    for (let u = 0; u < t; u++) {
      if (tags && tags[rowA + u] !== tags[rowB + u]) continue;
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
