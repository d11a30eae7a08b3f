// Nearest neighbours above a cosine threshold, over the int8 vectors of
// vectors.ts. Exact (every pair) under a small n; above it, candidates come
// from LSH (lsh.ts: MinHash bands when every vector has a sketch, random
// hyperplanes otherwise) and are then scored exactly, so both paths return
// the same edges whenever LSH finds the pair.
import { hyperplaneBands } from './hyperplanes.js';
import { bandedPairs, flaggedPairs, minhashBands, sketchFilter, windowsNow } from './lsh.js';
import type { Window } from './lsh.js';
import { dot } from './vectors.js';
import type { Vectors } from './vectors.js';

export interface NeighbourOptions {
  threshold: number;
  /** Neighbours kept per vector (the closest ones). */
  k: number;
  /** Exact pairwise when count <= exactBelow (default EXACT_BELOW). */
  exactBelow?: number;
  /** MinHash sketches, one per vector (same order), for MinHash banding. */
  sketches?: readonly Uint8Array[];
}

export interface Edge {
  a: number;
  b: number;
  similarity: number;
}

/** 1,000 vectors are half a million dot products, about 0.4 s; LSH beats that above. */
export const EXACT_BELOW = 1000;
/** Candidates from MinHash bands whose sketches estimate a lower Jaccard similarity are not scored (lsh.ts). */
const MIN_JACCARD = 0.2;

/** A rerun's head start (neighbour-memo.ts): which vectors to rescore, and the kept lists of the others. */
export interface Reuse {
  /** Vectors that are new or whose vector or sketch changed: offered to every candidate. */
  changed: Uint8Array;
  /** Changed vectors, and those whose kept list held one that changed or went: their lists are made again. */
  dirty: Uint8Array;
  /** The windowed buckets of the last run. */
  windowsBefore: readonly { t: number; key: number }[];
  /** Marks dirty every member of a windowed bucket, now or last run, whose members are not what they were. */
  settle(windows: readonly Window[]): void;
  /** Puts the kept lists of every vector not dirty into `top`. */
  seed(top: TopK): void;
}

/**
 * Edges from every vector to its `k` most similar vectors with cosine >=
 * threshold, each undirected edge once (a < b), sorted by (a, b). Ties keep
 * the lower index, so the result depends only on the input order.
 */
export function nearNeighbours(vectors: Vectors, options: NeighbourOptions): Edge[] {
  return neighbourLists(vectors, options).top.edges();
}

/**
 * Every vector's top-k list. With `reuse`, only the pairs that touch a dirty
 * vector are scored, which gives the lists a full pass gives (see
 * neighbour-memo.ts). `windows`: the buckets paired by window, when LSH
 * made the lists (a later run can start from those only).
 */
export function neighbourLists(
  vectors: Vectors,
  options: NeighbourOptions,
  reuse?: Reuse,
): { top: TopK; rescored: number; windows?: Window[] } {
  const top = new TopK(vectors.count, options.k);
  if (vectors.count <= (options.exactBelow ?? EXACT_BELOW)) {
    for (let a = 0; a < vectors.count; a++)
      for (let b = a + 1; b < vectors.count; b++) offerPair(vectors, top, options.threshold, a, b);
    return { top, rescored: vectors.count };
  }
  const { keys, filter } =
    options.sketches && options.sketches.length === vectors.count
      ? { keys: minhashBands(options.sketches), filter: sketchFilter(options.sketches, MIN_JACCARD) }
      : hyperplaneBands(vectors, { threshold: options.threshold });
  if (!reuse) {
    const offer = (a: number, b: number): void => offerPair(vectors, top, options.threshold, a, b);
    return { top, rescored: vectors.count, windows: bandedPairs(keys, vectors.count, offer, filter) };
  }
  const windows = windowsNow(keys, reuse.changed, reuse.windowsBefore);
  reuse.settle(windows);
  reuse.seed(top);
  const { changed, dirty } = reuse;
  const consider = (a: number, b: number): void => {
    const similarity = dot(vectors, a, b);
    if (similarity < options.threshold) return;
    if (dirty[a] === 1 || changed[b] === 1) top.offer(a, b, similarity);
    if (dirty[b] === 1 || changed[a] === 1) top.offer(b, a, similarity);
  };
  flaggedPairs(keys, consider, filter, dirty);
  let rescored = 0;
  for (const flag of dirty) rescored += flag;
  return { top, rescored, windows };
}

function offerPair(vectors: Vectors, top: TopK, threshold: number, a: number, b: number): void {
  const similarity = dot(vectors, a, b);
  if (similarity < threshold) return;
  top.offer(a, b, similarity);
  top.offer(b, a, similarity);
}

/**
 * Per vector, its k best (similarity, index) pairs, best first, in flat
 * typed arrays (k slots per vector): offers outnumber vectors a hundred to
 * one, so an offer must not allocate.
 */
export class TopK {
  readonly #k: number;
  readonly #index: Int32Array;
  readonly #similarity: Float64Array;
  readonly #filled: Uint16Array;

  constructor(count: number, k: number) {
    this.#k = Math.max(1, k);
    this.#index = new Int32Array(count * this.#k);
    this.#similarity = new Float64Array(count * this.#k);
    this.#filled = new Uint16Array(count);
  }

  get k(): number {
    return this.#k;
  }

  get count(): number {
    return this.#filled.length;
  }

  /** How many entries owner's list has. */
  filledOf(owner: number): number {
    return this.#filled[owner] as number;
  }

  indexAt(owner: number, slot: number): number {
    return this.#index[owner * this.#k + slot] as number;
  }

  similarityAt(owner: number, slot: number): number {
    return this.#similarity[owner * this.#k + slot] as number;
  }

  /** Appends an entry to owner's list, which must be given best first (a kept list). */
  push(owner: number, index: number, similarity: number): void {
    const filled = this.#filled[owner] as number;
    this.#index[owner * this.#k + filled] = index;
    this.#similarity[owner * this.#k + filled] = similarity;
    this.#filled[owner] = filled + 1;
  }

  offer(owner: number, index: number, similarity: number): void {
    const k = this.#k;
    const base = owner * k;
    let filled = this.#filled[owner] as number;
    // Better: more similar, or as similar with a smaller index.
    const isBetterThan = (slot: number): boolean => {
      const s = this.#similarity[base + slot] as number;
      return similarity > s || (similarity === s && index < (this.#index[base + slot] as number));
    };
    if (filled === k && !isBetterThan(k - 1)) return;
    if (filled < k) filled++;
    let slot = filled - 1;
    while (slot > 0 && isBetterThan(slot - 1)) {
      this.#similarity[base + slot] = this.#similarity[base + slot - 1] as number;
      this.#index[base + slot] = this.#index[base + slot - 1] as number;
      slot--;
    }
    this.#similarity[base + slot] = similarity;
    this.#index[base + slot] = index;
    this.#filled[owner] = filled;
  }

  edges(): Edge[] {
    const seen = new Map<number, Edge>();
    const count = this.#filled.length;
    for (let owner = 0; owner < count; owner++) {
      for (let slot = 0; slot < (this.#filled[owner] as number); slot++) {
        const other = this.#index[owner * this.#k + slot] as number;
        const a = Math.min(owner, other);
        const b = Math.max(owner, other);
        seen.set(a * count + b, { a, b, similarity: this.#similarity[owner * this.#k + slot] as number });
      }
    }
    return [...seen.values()].sort((x, y) => x.a - y.a || x.b - y.b);
  }
}
