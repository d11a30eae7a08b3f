// Keys of map items and of blocks of items: sha256 cut to its first 128
// bits (collisions among a million items: about 2^-88), kept as raw bytes in
// shared buffers rather than as strings, and an open-addressing table that
// finds a key among a manifest's entries without a JS object per entry.
import { hash } from 'node:crypto';

export const KEY_BYTES = 16;

/** Writes the key of `identity` into `out` at `offset`. */
export function writeKey(identity: string | Uint8Array, out: Buffer, offset: number): void {
  // One-shot hash() to 'binary' (latin1: a character per byte) is the cheapest way
  // Node offers to a digest's bytes: less than half the cost of
  // createHash().update().digest(), and a quarter less than base64.
  out.write(hash('sha256', identity, 'binary'), offset, KEY_BYTES, 'binary');
}

/**
 * Copies the key at `from[fromOffset]` to `to[toOffset]`. Sixteen bytes
 * moved one by one cost a tenth of Buffer.copy's checks and native call,
 * which is most of what a million items pay to be journaled.
 */
export function copyKey(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number): void {
  for (let k = 0; k < KEY_BYTES; k++) to[toOffset + k] = from[fromOffset + k] as number;
}

/** The key of `identity` as a new buffer. */
export function keyOf(identity: string | Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(KEY_BYTES);
  writeKey(identity, out, 0);
  return out;
}

/** 32-bit words a key. */
const WORDS = KEY_BYTES / 4;

/** `count` keys stored back to back as 32-bit words: a view where they lie on a 4-byte boundary, else a copy. */
function wordsOf(keys: Buffer, count: number): Uint32Array {
  const bytes = count * KEY_BYTES;
  if (keys.byteOffset % 4 === 0) return new Uint32Array(keys.buffer, keys.byteOffset, bytes / 4);
  const copy = new Uint8Array(bytes);
  copy.set(keys.subarray(0, bytes));
  return new Uint32Array(copy.buffer);
}

/**
 * Which of `count` keys stored back to back in `keys` may be there: two
 * bits a key (its first two 4-byte words) in a bitset of 16 bits a key.
 * No key present is ever answered absent; an absent key is answered
 * present about once in 70. A rerun that changed one item of a million
 * asks for it once: building this took a tenth of what building the
 * KeyTable took (random writes into 2 MB, not 8 MB), and the table is
 * built only when some key may be there after all.
 */
export class KeyFilter {
  readonly #bits: Uint32Array;
  readonly #mask: number;

  constructor(keys: Buffer, count: number) {
    let size = 1024;
    while (size < count * 16) size *= 2;
    this.#bits = new Uint32Array(size / 32);
    this.#mask = size - 1;
    const words = wordsOf(keys, count);
    for (let i = 0; i < count; i++) {
      this.#set(words[i * WORDS] ?? 0);
      this.#set(words[i * WORDS + 1] ?? 0);
    }
  }

  /** false: the KEY_BYTES of `key` at `offset` are none of the keys; true: they may be. */
  mayHave(key: Buffer, offset: number): boolean {
    return this.#has(key.readUInt32LE(offset)) && this.#has(key.readUInt32LE(offset + 4));
  }

  #set(word: number): void {
    const bit = word & this.#mask;
    this.#bits[bit >>> 5] = (this.#bits[bit >>> 5] ?? 0) | (1 << (bit & 31));
  }

  #has(word: number): boolean {
    const bit = word & this.#mask;
    return ((this.#bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) !== 0;
  }
}

/**
 * Finds keys among `count` keys stored back to back in `keys`. Keys are
 * digests, uniformly spread, so their first 4 bytes are the slot.
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
    // No key is compared while building: a key listed twice (an item
    // repeated in the input) gets two slots, and find() meets the first
    // entry first, so the first one wins.
    const words = wordsOf(keys, count);
    for (let i = 0; i < count; i++) {
      let slot = (words[i * WORDS] ?? 0) & this.#mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = i;
    }
  }

  /** Index of the entry whose key is the KEY_BYTES of `key` at `offset`, or -1. */
  find(key: Buffer, offset: number): number {
    let slot = key.readUInt32LE(offset) & this.#mask;
    for (;;) {
      const entry = this.#slots[slot] ?? -1;
      if (entry === -1 || this.#equals(entry, key, offset)) return entry;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** Compared byte by byte: Buffer.compare's checks and native call cost a million lookups 0.1 s more. */
  #equals(entry: number, key: Buffer, offset: number): boolean {
    const keys = this.#keys;
    const at = entry * KEY_BYTES;
    for (let k = 0; k < KEY_BYTES; k++) if (keys[at + k] !== key[offset + k]) return false;
    return true;
  }
}
