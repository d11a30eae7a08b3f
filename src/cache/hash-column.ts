// The hashes of a long list's files while a map stage reads them (a cold
// pass, StatCache.hashAllLater): 32 bytes a file in one buffer, a file's hex
// string made only when something asks for it (fileHash), and dropped as
// soon as it is used. As a JS array of hex strings they were 76 bytes of
// heap a file, held until the stage ended (76 MB at a million files), and
// a million strings for the collector to mark. Deleting this module makes
// the pass answer an array of strings again.
import { HASH_BYTES } from './stat-cache-types.js';

/** A hash's length as hex (what at() answers). */
export const HEX_LENGTH = 2 * HASH_BYTES;

export class HashColumn {
  readonly length: number;
  readonly #digests: Buffer;
  /** 1 where a file's hash is in (the others: not read yet, or not a readable regular file). */
  readonly #isSet: Uint8Array;

  constructor(length: number) {
    this.length = length;
    this.#digests = Buffer.allocUnsafe(HASH_BYTES * length);
    this.#isSet = new Uint8Array(length);
  }

  /** The column of `hashes` (hex, or undefined). */
  static of(hashes: readonly (string | undefined)[]): HashColumn {
    const column = new HashColumn(hashes.length);
    for (let i = 0; i < hashes.length; i++) column.set(i, hashes[i]);
    return column;
  }

  /** File `i`'s hash: hex, or its bytes (copied); undefined: none. */
  set(i: number, hash: string | Uint8Array | undefined): void {
    this.#isSet[i] = 0;
    if (hash === undefined) return;
    if (typeof hash === 'string') {
      if (this.#digests.write(hash, HASH_BYTES * i, HASH_BYTES, 'hex') !== HASH_BYTES || hash.length !== HEX_LENGTH)
        throw new Error(`not a sha256 in hex: ${JSON.stringify(hash.slice(0, 80))}`);
    } else {
      if (hash.length !== HASH_BYTES) throw new Error(`a digest of ${hash.length} bytes, not ${HASH_BYTES}`);
      this.#digests.set(hash, HASH_BYTES * i);
    }
    this.#isSet[i] = 1;
  }

  /** File `i`'s hash (hex), or undefined when there is none. */
  at(i: number): string | undefined {
    return this.#isSet[i] === 1 ? this.#digests.toString('hex', HASH_BYTES * i, HASH_BYTES * (i + 1)) : undefined;
  }

  /** Whether file `i`'s hash is in. */
  isSet(i: number): boolean {
    return this.#isSet[i] === 1;
  }
}
