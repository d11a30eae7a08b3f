// The vectors clustering works on: every function's int8 vector (as stored
// in embed's records) in one Int8Array, row by row, with the inverse norm of
// each row. Scoring a candidate pair reads two rows at random, so rows are
// kept at one byte per dimension: a quarter of the memory traffic of
// floats, which is what the dot product is bound by once the matrix no
// longer fits in cache (20k functions: 10 MB instead of 40 MB). Cosines are
// those of the stored (quantized) vectors, exactly.
import { encodedLength } from '../lib/vector-codec.js';
import { simdKernels } from './simd.js';
import type { Kernels } from './simd.js';

export interface Vectors {
  data: Int8Array;
  /** 1 / |row|, 0 for an all-zero row. */
  inverseNorm: Float64Array;
  count: number;
  dim: number;
  /** WebAssembly SIMD kernels whose memory holds `data` (when available and dim is a multiple of 16). */
  kernels?: Kernels;
}

export function vectorsFrom(encoded: readonly string[]): Vectors {
  const dim = encoded[0] === undefined ? 0 : encodedLength(encoded[0]);
  const kernels = dim > 0 && dim % 16 === 0 ? simdKernels(encoded.length * dim) : undefined;
  const data = kernels
    ? new Int8Array(kernels.bytes.buffer, 0, encoded.length * dim)
    : new Int8Array(encoded.length * dim);
  const inverseNorm = new Float64Array(encoded.length);
  encoded.forEach((text, row) => {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length !== dim) throw new Error(`vector ${row} has ${bytes.length} dimensions, not ${dim}`);
    const values = new Int8Array(bytes.buffer, bytes.byteOffset, dim);
    data.set(values, row * dim);
    let sum = 0;
    for (const value of values) sum += value * value;
    inverseNorm[row] = sum === 0 ? 0 : 1 / Math.sqrt(sum);
  });
  return { data, inverseNorm, count: encoded.length, dim, ...(kernels ? { kernels } : {}) };
}

export function dot(vectors: Vectors, a: number, b: number): number {
  const { kernels, dim } = vectors;
  const sum = kernels ? kernels.dot(a * dim, b * dim, dim) : plainDot(vectors, a, b);
  return sum * (vectors.inverseNorm[a] as number) * (vectors.inverseNorm[b] as number);
}

/** The integer dot product of rows a and b, in JavaScript. */
function plainDot(vectors: Vectors, a: number, b: number): number {
  const { data, dim } = vectors;
  const offsetA = a * dim;
  const offsetB = b * dim;
  // Integer products summed exactly (|sum| < 2^53); four accumulators for the pipeline.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += (data[offsetA + i] as number) * (data[offsetB + i] as number);
    s1 += (data[offsetA + i + 1] as number) * (data[offsetB + i + 1] as number);
    s2 += (data[offsetA + i + 2] as number) * (data[offsetB + i + 2] as number);
    s3 += (data[offsetA + i + 3] as number) * (data[offsetB + i + 3] as number);
  }
  for (; i < dim; i++) s0 += (data[offsetA + i] as number) * (data[offsetB + i] as number);
  return s0 + s1 + s2 + s3;
}

/** Row `i` as a unit vector of floats, added into `into` (which it returns). */
export function addRow(vectors: Vectors, i: number, into: Float64Array): Float64Array {
  const scale = vectors.inverseNorm[i] as number;
  const offset = i * vectors.dim;
  for (let d = 0; d < vectors.dim; d++) into[d] = (into[d] as number) + (vectors.data[offset + d] as number) * scale;
  return into;
}
