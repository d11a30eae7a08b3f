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
  const rows = new RowCollector();
  for (const text of encoded) rows.add(text, undefined);
  return rows.vectors(encoded.map((_, i) => i));
}

/**
 * MinHash sketches from base64, decoded into one buffer (views into it, in
 * order): the same bytes as decodeSketch, without a Buffer and a copy per
 * function.
 */
export function sketchesFrom(encoded: readonly string[]): Uint8Array[] {
  const rows = new RowCollector();
  for (const text of encoded) rows.add(undefined, text);
  return rows.sketches(encoded.map((_, i) => i));
}

/**
 * Vectors and sketches decoded as records arrive, so that their base64
 * text dies young: held until every record was read (20k functions), the
 * strings survived garbage collection after garbage collection, each one
 * copied, and that cost more than everything else cluster does on a rerun.
 * Rows are put in their final order at the end.
 */
export class RowCollector {
  #dim = -1;
  #count = 0;
  readonly #vectors = new Blocks();
  readonly #sketches = new Blocks();
  /** Per row: where its sketch is (block, offset, length), three numbers each. */
  readonly #sketchAt: number[] = [];

  /** Adds one function's row: a vector for every row or for none; a sketch may be missing. */
  add(vector: string | undefined, sketch: string | undefined): void {
    if (vector !== undefined) this.#addVector(vector);
    if (sketch === undefined) this.#sketchAt.push(0, 0, 0);
    else {
      const [block, at] = this.#sketches.claim(encodedLength(sketch));
      // Without a length argument: with one, Node decodes base64 on a slow path
      // (its quick size estimate exceeds the length); base64 never decodes to
      // more than its encoded length, which claim() made room for.
      this.#sketchAt.push(block, at, this.#sketches.block(block).write(sketch, at, 'base64'));
    }
    this.#count++;
  }

  #addVector(text: string): void {
    const dim = encodedLength(text);
    if (this.#dim === -1) this.#dim = dim;
    const [block, at] = this.#vectors.claim(this.#dim);
    // A longer vector is refused by its encoded length before it could spill into the next row.
    if (dim !== this.#dim || this.#vectors.block(block).write(text, at, 'base64') !== dim) {
      throw new Error(`vector ${this.#count} has ${Buffer.from(text, 'base64').length} dimensions, not ${this.#dim}`);
    }
  }

  /** The vectors, row `order[i]` as row i. */
  vectors(order: readonly number[]): Vectors {
    const dim = Math.max(0, this.#dim);
    const kernels = dim > 0 && dim % 16 === 0 ? simdKernels(order.length * dim) : undefined;
    const data = kernels
      ? new Int8Array(kernels.bytes.buffer, 0, order.length * dim)
      : new Int8Array(order.length * dim);
    const target = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const inverseNorm = new Float64Array(order.length);
    if (dim === 0) return { data, inverseNorm, count: order.length, dim };
    order.forEach((from, row) => {
      const [block, at] = this.#vectors.locate(from * dim, dim);
      this.#vectors.block(block).copy(target, row * dim, at, at + dim);
      const sum = kernels ? kernels.dot(row * dim, row * dim, dim) : plainDot(data, dim, row, row);
      inverseNorm[row] = sum === 0 ? 0 : 1 / Math.sqrt(sum);
    });
    return { data, inverseNorm, count: order.length, dim, ...(kernels ? { kernels } : {}) };
  }

  /** The sketches, row `order[i]` as sketch i: views into the bytes they were decoded into. */
  sketches(order: readonly number[]): Uint8Array[] {
    const at = this.#sketchAt;
    return order.map((from) => {
      const block = this.#sketches.block(at[3 * from] as number);
      return new Uint8Array(block.buffer, block.byteOffset + (at[3 * from + 1] as number), at[3 * from + 2] as number);
    });
  }
}

/**
 * Bytes in blocks of 1 MiB that are filled and never moved: a buffer grown by
 * copying cost more than the decoding, on machines where each fresh page is
 * a fault.
 */
class Blocks {
  static readonly SIZE = 1 << 20;
  readonly #blocks: Buffer[] = [];
  #used = 0;

  /** Room for `size` bytes in one block: [block, offset]. */
  claim(size: number): [number, number] {
    const last = this.#blocks.length - 1;
    if (last >= 0 && this.#used + size <= (this.#blocks[last] as Buffer).length) {
      this.#used += size;
      return [last, this.#used - size];
    }
    this.#blocks.push(Buffer.allocUnsafe(Math.max(Blocks.SIZE, size)));
    this.#used = size;
    return [last + 1, 0];
  }

  block(i: number): Buffer {
    return this.#blocks[i] as Buffer;
  }

  /** Where the `size`-byte row at `offset` of equal rows went: rows of one size fill whole blocks in turn. */
  locate(offset: number, size: number): [number, number] {
    const perBlock = Math.max(1, Math.floor(Blocks.SIZE / size));
    const row = offset / size;
    return [Math.floor(row / perBlock), (row % perBlock) * size];
  }
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
