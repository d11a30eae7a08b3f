// The WebAssembly SIMD kernels give the very numbers of the JavaScript loops
// they replace: integer dot products of int8 rows (so cosines, neighbours
// and clusters are identical) and counts of equal sketch bytes.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../runners/lib/random.js';
import { sketchFilter } from '../../runners/simtask/lsh.js';
import { nearNeighbours } from '../../runners/simtask/neighbours.js';
import { simdKernels } from '../../runners/simtask/simd.js';
import { dot, vectorsFrom } from '../../runners/simtask/vectors.js';
import type { Vectors } from '../../runners/simtask/vectors.js';

function plainDot(x: Int8Array, y: Int8Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) * (y[i] as number);
  return sum;
}

describe('SIMD kernels', () => {
  it('dot: exact for every dimension multiple of 16, extremes included', () => {
    const next = mulberry32(1);
    for (const n of [16, 32, 48, 512, 768, 4096]) {
      const kernels = simdKernels(2 * n);
      expect(kernels, 'WebAssembly SIMD in this Node').toBeDefined();
      if (!kernels) return;
      const x = new Int8Array(kernels.bytes.buffer, 0, n);
      const y = new Int8Array(kernels.bytes.buffer, n, n);
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < n; i++) {
          x[i] = round === 0 ? -128 : Math.floor(next() * 256) - 128;
          y[i] = round === 0 ? -128 : round === 1 ? 127 : Math.floor(next() * 256) - 128;
        }
        expect(kernels.dot(0, n, n)).toBe(plainDot(x, y));
      }
    }
  });

  it('matches: counts equal bytes', () => {
    const next = mulberry32(2);
    const kernels = simdKernels(128);
    if (!kernels) throw new Error('no WebAssembly SIMD');
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 128; i++) kernels.bytes[i] = Math.floor(next() * 3);
      let expected = 0;
      for (let i = 0; i < 64; i++) if (kernels.bytes[i] === kernels.bytes[64 + i]) expected++;
      expect(kernels.matches(0, 64, 64)).toBe(expected);
    }
  });

  it('vectors and the sketch filter decide exactly as the JavaScript paths', () => {
    const next = mulberry32(3);
    const count = 300;
    const rows = Array.from({ length: count }, (_, r) => {
      // Families of ten near-copies, so there are neighbours to find.
      const base = Math.floor(r / 10);
      return Buffer.from(
        Int8Array.from({ length: 64 }, (_, i) => ((base * 31 + i * 7) % 200) - 100 + Math.floor(next() * 30)),
      ).toString('base64');
    });
    const vectors = vectorsFrom(rows);
    expect(vectors.kernels).toBeDefined();
    const { kernels: _kernels, ...plain } = vectors;
    const javascript: Vectors = { ...plain, data: Int8Array.from(vectors.data) };
    for (let a = 0; a < count; a += 7)
      for (let b = 0; b < count; b += 5) expect(dot(vectors, a, b)).toBe(dot(javascript, a, b));
    const options = { threshold: 0.6, k: 8, exactBelow: Number.POSITIVE_INFINITY };
    const edges = nearNeighbours(vectors, options);
    expect(edges.length).toBeGreaterThan(100);
    expect(nearNeighbours(javascript, options)).toEqual(edges);

    const sketches = Array.from({ length: 40 }, () => Uint8Array.from({ length: 64 }, () => Math.floor(next() * 4)));
    const withSimd = sketchFilter(sketches, 0.3);
    const odd = sketches.map((s) => s.subarray(0, 60)); // 60 slots: no SIMD, the JavaScript loop
    const withLoop = sketchFilter(odd, 0.3);
    for (let a = 0; a < 40; a++) {
      for (let b = 0; b < 40; b++) {
        let matches = 0;
        for (let i = 0; i < 64; i++) if (sketches[a]?.[i] === sketches[b]?.[i]) matches++;
        expect(withSimd(a, b)).toBe(matches >= Math.ceil(0.3 * 64));
        let matches60 = 0;
        for (let i = 0; i < 60; i++) if (sketches[a]?.[i] === sketches[b]?.[i]) matches60++;
        expect(withLoop(a, b)).toBe(matches60 >= Math.ceil(0.3 * 60));
      }
    }
  });
});
