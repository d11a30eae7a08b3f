// Keys of map items and of blocks of items: sha256, kept as 32 raw bytes in
// shared buffers rather than as strings, and an open-addressing table that
// finds a key among a manifest's entries without a JS object per entry.
import { hash } from 'node:crypto';

export const KEY_BYTES = 32;

/** Writes sha256(`identity`) into `out` at `offset`. */
export function writeKey(identity: string | Uint8Array, out: Buffer, offset: number): void {
  // One-shot hash() to base64 is the cheapest way Node offers to a digest's
  // bytes: about half the cost of createHash().update().digest().
  out.write(hash('sha256', identity, 'base64'), offset, KEY_BYTES, 'base64');
}

/** sha256(`identity`) as a new 32-byte buffer. */
export function keyOf(identity: string | Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(KEY_BYTES);
  writeKey(identity, out, 0);
  return out;
}

/**
 * Finds keys among `count` keys stored back to back in `keys`. Keys are
 * sha256 digests, uniformly spread, so their first 4 bytes are the slot.
 * Built lazily by the caller, only when a lookup by key is needed.
 */
export class KeyTable {
  readonly #keys: Buffer;
  readonly #slots: Int32Array;
  readonly #mask: number;

  constructor(keys: Buffer, count: number) {
    this.#keys = keys;
    let size = 16;
    while (size < count * 2) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    for (let i = 0; i < count; i++) {
      let slot = keys.readUInt32LE(i * KEY_BYTES) & this.#mask;
      // First entry wins: a key listed twice (an item repeated in the input) has one result.
      while (this.#slots[slot] !== -1) {
        if (this.#equals(this.#slots[slot] ?? 0, keys, i * KEY_BYTES)) break;
        slot = (slot + 1) & this.#mask;
      }
      if (this.#slots[slot] === -1) this.#slots[slot] = i;
    }
  }

  /** Index of the entry whose key is the 32 bytes of `key` at `offset`, or -1. */
  find(key: Buffer, offset: number): number {
    let slot = key.readUInt32LE(offset) & this.#mask;
    for (;;) {
      const entry = this.#slots[slot] ?? -1;
      if (entry === -1 || this.#equals(entry, key, offset)) return entry;
      slot = (slot + 1) & this.#mask;
    }
  }

  #equals(entry: number, key: Buffer, offset: number): boolean {
    const at = entry * KEY_BYTES;
    return this.#keys.compare(key, offset, offset + KEY_BYTES, at, at + KEY_BYTES) === 0;
  }
}
