// Band keys for vectors without MinHash sketches (any embedder, e.g.
// Ollama's): random-hyperplane sign bits, and a filter on how many bits two
// signatures differ in. How many bits make a key, and why, is in lsh.ts.
import { mulberry32 } from '../lib/random.js';
import type { Vectors } from './vectors.js';

export interface HyperplaneOptions {
  threshold: number;
  planes?: number;
  tables?: number;
  seed?: number;
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
