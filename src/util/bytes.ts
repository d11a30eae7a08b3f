// The bytes of a typed array, seen through a Buffer over the same memory
// (no copy): to write, compare or hash numbers kept in Float64Arrays and
// Uint32Arrays, shared ones (a SharedArrayBuffer) included.

/** The bytes of `array`'s first `count` elements (all of them by default). */
export function bytesOf(array: Float64Array | Uint32Array, count = array.length): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, count * array.BYTES_PER_ELEMENT);
}
