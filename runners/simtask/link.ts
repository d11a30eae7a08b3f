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
  const { dim } = vectors;
  const parent = Int32Array.from({ length: vectors.count }, (_, i) => i);
  const size = new Int32Array(vectors.count).fill(1);
  // Sum vectors of groups, by root (a single member's is its unit vector).
  const sums = new Map<number, Float64Array>();
  const sumOf = (root: number): Float64Array => sums.get(root) ?? addRow(vectors, root, new Float64Array(dim));
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
    const left = sumOf(ra);
    const right = sumOf(rb);
    let cross = 0;
    for (let i = 0; i < dim; i++) cross += (left[i] as number) * (right[i] as number);
    if (cross / ((size[ra] as number) * (size[rb] as number)) < threshold) continue;
    const root = Math.min(ra, rb);
    const child = Math.max(ra, rb);
    const merged = new Float64Array(dim);
    for (let i = 0; i < dim; i++) merged[i] = (left[i] as number) + (right[i] as number);
    parent[child] = root;
    size[root] = (size[ra] as number) + (size[rb] as number);
    sums.delete(child);
    sums.set(root, merged);
  }
  for (let i = 0; i < parent.length; i++) find(i);
  return parent;
}

/** Mean pairwise similarity inside a group, from its sum vector: (|S|^2 - n) / (n (n - 1)) for unit vectors. */
export function meanPairwise(vectors: Vectors, members: readonly number[]): number {
  const n = members.length;
  if (n < 2) return 1;
  const sum = new Float64Array(vectors.dim);
  let selfDots = 0;
  for (const m of members) {
    addRow(vectors, m, sum);
    if ((vectors.inverseNorm[m] as number) > 0) selfDots += 1;
  }
  let total = 0;
  for (const value of sum) total += value * value;
  return (total - selfDots) / (n * (n - 1));
}
