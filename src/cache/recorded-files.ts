// The file entries a run records (hashes it read, files it wrote), kept as
// columns like the loaded ones (stat-cache-file.ts), not a JS array per
// file: a cold run over a million files records a million entries, and an
// array with its numbers and a 64-character hex string costs about 200
// bytes of heap each, against 57 here (plus the map from path to slot).
import type { FileColumns } from './stat-cache-file.js';

const HASH_BYTES = 32;

export class RecordedFiles {
  readonly #slots = new Map<string, number>();
  /** size, mtimeMs, inode per slot. */
  #nums = new Float64Array(3 * 256);
  #hashes = Buffer.allocUnsafe(HASH_BYTES * 256);
  #racy = new Uint8Array(256);

  get size(): number {
    return this.#slots.size;
  }

  has(file: string): boolean {
    return this.#slots.size > 0 && this.#slots.has(file);
  }

  files(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** Records (or records again) `file` with its stat and sha256 (hex). */
  set(file: string, stat: { size: number; mtimeMs: number; ino: number }, hash: string, isRacy: boolean): void {
    let slot = this.#slots.get(file);
    if (slot === undefined) {
      slot = this.#slots.size;
      this.#reserve(slot + 1);
      this.#slots.set(file, slot);
    }
    this.#nums[3 * slot] = stat.size;
    this.#nums[3 * slot + 1] = stat.mtimeMs;
    this.#nums[3 * slot + 2] = stat.ino;
    this.#hashes.write(hash, HASH_BYTES * slot, HASH_BYTES, 'hex');
    this.#racy[slot] = isRacy ? 1 : 0;
  }

  /**
   * For a recorded file: its hash when the entry holds for this stat (and
   * was not racy), else null. Undefined when the file is not recorded.
   */
  hashFor(file: string, st: { size: number; mtimeMs: number; ino: number }): string | null | undefined {
    const slot = this.#slots.get(file);
    if (slot === undefined) return undefined;
    const nums = this.#nums;
    if (nums[3 * slot] !== st.size || nums[3 * slot + 1] !== st.mtimeMs || nums[3 * slot + 2] !== st.ino) return null;
    if (this.#racy[slot] === 1) return null;
    return this.#hashes.toString('hex', HASH_BYTES * slot, HASH_BYTES * slot + HASH_BYTES);
  }

  /** Writes the entry of `file` into row `k` of `columns`; false when the file is not recorded. */
  copyTo(file: string, columns: FileColumns, k: number): boolean {
    const slot = this.#slots.get(file);
    if (slot === undefined) return false;
    columns.nums.set(this.#nums.subarray(3 * slot, 3 * slot + 3), 3 * k);
    this.#hashes.copy(columns.hashes, HASH_BYTES * k, HASH_BYTES * slot, HASH_BYTES * slot + HASH_BYTES);
    columns.racy[k] = this.#racy[slot] ?? 0;
    return true;
  }

  clear(): void {
    this.#slots.clear();
  }

  #reserve(slots: number): void {
    if (slots <= this.#racy.length) return;
    const size = Math.max(slots, this.#racy.length * 2);
    const nums = new Float64Array(3 * size);
    nums.set(this.#nums);
    this.#nums = nums;
    const hashes = Buffer.allocUnsafe(HASH_BYTES * size);
    this.#hashes.copy(hashes);
    this.#hashes = hashes;
    const racy = new Uint8Array(size);
    racy.set(this.#racy);
    this.#racy = racy;
  }
}

// An entry is "racy" when the file (or directory) may have changed again within the
// timestamp resolution after we hashed it: then size and mtime could match
// while the content differs. Filesystems with sub-millisecond mtimes need a
// tiny window; whole-second ones a two-second window.
const RACY_WINDOW_FINE_MS = 5;
const RACY_WINDOW_COARSE_MS = 2000;

export function isRacy(mtimeMs: number, recordedAtMs: number): boolean {
  const window = Number.isInteger(mtimeMs) ? RACY_WINDOW_COARSE_MS : RACY_WINDOW_FINE_MS;
  return recordedAtMs - mtimeMs < window;
}
