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
  // Decoded straight into the matrix: a Buffer per vector (20k of them) was
  // most of the decoding time, allocation and garbage collection included.
  const target = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const inverseNorm = new Float64Array(encoded.length);
  for (let row = 0; row < encoded.length; row++) {
    const text = encoded[row] as string;
    // No length argument: with one, Node decodes base64 on a slow path (its
    // quick size estimate, 513 bytes for 512, exceeds the length). A longer
    // vector is refused by its encoded length before it could spill into the next row.
    if (encodedLength(text) !== dim || target.write(text, row * dim, 'base64') !== dim) {
      throw new Error(`vector ${row} has ${Buffer.from(text, 'base64').length} dimensions, not ${dim}`);
    }
    const sum = kernels ? kernels.dot(row * dim, row * dim, dim) : plainDot(data, dim, row, row);
    inverseNorm[row] = sum === 0 ? 0 : 1 / Math.sqrt(sum);
  }
  return { data, inverseNorm, count: encoded.length, dim, ...(kernels ? { kernels } : {}) };
}

/**
 * MinHash sketches from base64, decoded into one buffer (views into it, in
 * order): the same bytes as decodeSketch, without a Buffer and a copy per
 * function.
 */
export function sketchesFrom(encoded: readonly string[]): Uint8Array[] {
  const offsets = new Int32Array(encoded.length + 1);
  for (let i = 0; i < encoded.length; i++)
    offsets[i + 1] = (offsets[i] as number) + encodedLength(encoded[i] as string);
  const bytes = Buffer.alloc(offsets[encoded.length] as number);
  const sketches: Uint8Array[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const offset = offsets[i] as number;
    // Without a length argument (see vectorsFrom): base64 never decodes to more than its encoded length.
    const length = offset === offsets[i + 1] ? 0 : bytes.write(encoded[i] as string, offset, 'base64');
    sketches.push(new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length));
  }
  return sketches;
}

export function dot(vectors: Vectors, a: number, b: number): number {
  const { kernels, dim } = vectors;
  const sum = kernels ? kernels.dot(a * dim, b * dim, dim) : plainDot(vectors.data, dim, a, b);
  return sum * (vectors.inverseNorm[a] as number) * (vectors.inverseNorm[b] as number);
}

/** The integer dot product of rows a and b, in JavaScript. */
function plainDot(data: Int8Array, dim: number, a: number, b: number): number {
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
