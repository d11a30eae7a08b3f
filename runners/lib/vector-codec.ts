// Vectors and sketches travel between stages (and sit in the item cache) as
// base64 strings inside JSON records. Vectors are int8, scaled to their
// largest component: a quarter of float32's size, and since every vector is
// renormalised on decode the scale needs no storing; cosines move by about
// 1e-3 at most, far below any threshold's resolution.
import { normalize } from './embedding.js';

export function encodeVector(vector: ArrayLike<number>): string {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i] as number));
  const bytes = new Int8Array(vector.length);
  if (max > 0) for (let i = 0; i < vector.length; i++) bytes[i] = Math.round(((vector[i] as number) / max) * 127);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decodes into `into` when given (e.g. a row of a matrix), else a new array; the result has norm 1 (or is all zeros). */
export function decodeVector(encoded: string, into?: Float32Array): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  const out = into ?? new Float32Array(bytes.length);
  const n = Math.min(out.length, bytes.length);
  for (let i = 0; i < n; i++) out[i] = bytes.readInt8(i);
  return normalize(out);
}

/** Dimension of an encoded vector, without decoding it. */
export function encodedLength(encoded: string): number {
  return Buffer.byteLength(encoded, 'base64');
}

export function encodeSketch(sketch: Uint8Array): string {
  return Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength).toString('base64');
}

export function decodeSketch(encoded: string): Uint8Array {
  return new Uint8Array(Buffer.from(encoded, 'base64'));
}
