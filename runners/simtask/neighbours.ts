// Nearest neighbours above a cosine threshold, over the int8 vectors of
// vectors.ts. Exact (every pair) under a small n; above it, candidates come
// from LSH (lsh.ts: MinHash bands when every vector has a sketch, random
// hyperplanes otherwise) and are then scored exactly, so both paths return
// the same edges whenever LSH finds the pair.
import { bandedPairs, hyperplaneBands, minhashBands, sketchFilter } from './lsh.js';
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

/**
 * Edges from every vector to its `k` most similar vectors with cosine >=
 * threshold, each undirected edge once (a < b), sorted by (a, b). Ties keep
 * the lower index, so the result depends only on the input order.
 */
export function nearNeighbours(vectors: Vectors, options: NeighbourOptions): Edge[] {
  const top = new TopK(vectors.count, options.k);
  const consider = (a: number, b: number): void => {
    const similarity = dot(vectors, a, b);
    if (similarity < options.threshold) return;
    top.offer(a, b, similarity);
    top.offer(b, a, similarity);
  };
  if (vectors.count <= (options.exactBelow ?? EXACT_BELOW)) {
    for (let a = 0; a < vectors.count; a++) for (let b = a + 1; b < vectors.count; b++) consider(a, b);
  } else if (options.sketches && options.sketches.length === vectors.count) {
    bandedPairs(minhashBands(options.sketches), vectors.count, consider, sketchFilter(options.sketches, MIN_JACCARD));
  } else {
    const { keys, filter } = hyperplaneBands(vectors, { threshold: options.threshold });
    bandedPairs(keys, vectors.count, consider, filter);
  }
  return top.edges();
}

/**
 * Per vector, its k best (similarity, index) pairs, best first, in flat
 * typed arrays (k slots per vector): offers outnumber vectors a hundred to
 * one, so an offer must not allocate.
 */
class TopK {
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
