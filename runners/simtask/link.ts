// From neighbour edges to groups: union-find, strongest edge first, with an
// average-linkage guard: two groups join only when the mean similarity
// across them is >= threshold as well. Plain union-find chains: A~B and B~C
// above the threshold put A and C together however unlike they are, and on
// real code one chain of "vaguely alike" functions grows into a cluster that
// mixes unrelated ones.
//
// The guard is cheap because dot products are bilinear: the mean of a.b over
// a in A, b in B is (sum of A) . (sum of B) / (|A| |B|), so each group keeps
// the sum of its members' vectors and a check costs one dot product.
import type { Edge } from './neighbours.js';
import { addRow } from './vectors.js';
import type { Vectors } from './vectors.js';

/**
 * The parent array of the groups: every member points (eventually) at its
 * group's root, the smallest index in the group, so the result does not
 * depend on the order of edges with equal similarity.
 */
export function linkGroups(vectors: Vectors, edges: readonly Edge[], threshold: number): Int32Array {
  const { dim, count } = vectors;
  const parent = new Int32Array(count);
  for (let i = 0; i < count; i++) parent[i] = i;
  const size = new Int32Array(count).fill(1);
  const sums = new GroupSums(vectors);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number;
      x = parent[x] as number;
    }
    return x;
  };
  const ordered = [...edges].sort((x, y) => y.similarity - x.similarity || x.a - y.a || x.b - y.b);
  for (const { a, b } of ordered) {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) continue;
    const left = sums.of(ra, 0);
    const right = sums.of(rb, 1);
    let cross = 0;
    for (let i = 0; i < dim; i++) cross += (left[i] as number) * (right[i] as number);
    if (cross / ((size[ra] as number) * (size[rb] as number)) < threshold) continue;
    const root = Math.min(ra, rb);
    const child = Math.max(ra, rb);
    const merged = sums.merge(ra, rb);
    for (let i = 0; i < dim; i++) merged[i] = (left[i] as number) + (right[i] as number);
    parent[child] = root;
    size[root] = (size[ra] as number) + (size[rb] as number);
    sums.keep(root, merged);
  }
  for (let i = 0; i < parent.length; i++) find(i);
  return parent;
}

/**
 * Sum vectors of groups of two or more, by root; a single member's is its
 * unit vector, computed into a scratch array when needed. A new array per
 * check and per merge (tens of megabytes on 20k functions) cost more in
 * garbage collection than the checks themselves; the sums are the same
 * floating-point numbers, added in the same order.
 */
class GroupSums {
  readonly #vectors: Vectors;
  readonly #byRoot = new Map<number, Float64Array>();
  readonly #scratch: readonly [Float64Array, Float64Array];
  /** Arrays of groups merged into another, for the next group to reuse. */
  readonly #free: Float64Array[] = [];

  constructor(vectors: Vectors) {
    this.#vectors = vectors;
    this.#scratch = [new Float64Array(vectors.dim), new Float64Array(vectors.dim)];
  }

  /** The sum of root's group; a single member's goes into scratch array `which`, valid until the next call with it. */
  of(root: number, which: 0 | 1): Float64Array {
    const kept = this.#byRoot.get(root);
    if (kept) return kept;
    const scratch = this.#scratch[which];
    return addRow(this.#vectors, root, scratch.fill(0));
  }

  /**
   * Where the sum of groups ra and rb goes: one of their kept arrays (each
   * element is read before it is written) or a free one.
   */
  merge(ra: number, rb: number): Float64Array {
    const left = this.#byRoot.get(ra);
    const right = this.#byRoot.get(rb);
    this.#byRoot.delete(ra);
    this.#byRoot.delete(rb);
    if (left && right) this.#free.push(right);
    return left ?? right ?? this.#free.pop() ?? new Float64Array(this.#vectors.dim);
  }

  keep(root: number, sum: Float64Array): void {
    this.#byRoot.set(root, sum);
  }
}

/** Mean pairwise similarity inside a group, from its sum vector: (|S|^2 - n) / (n (n - 1)) for unit vectors. */
export function meanPairwise(vectors: Vectors, members: readonly number[]): number {
  const n = members.length;
  if (n < 2) return 1;
  const sum = new Float64Array(vectors.dim);
  let selfDots = 0;
  for (let i = 0; i < n; i++) {
    const m = members[i] as number;
    addRow(vectors, m, sum);
    if ((vectors.inverseNorm[m] as number) > 0) selfDots += 1;
  }
  let total = 0;
  for (let d = 0; d < sum.length; d++) total += (sum[d] as number) * (sum[d] as number);
  return (total - selfDots) / (n * (n - 1));
}
