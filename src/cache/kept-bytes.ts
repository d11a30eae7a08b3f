// The bytes of the files a cold map stage's hash pass reads, kept for its
// items, so a function that reads its file with `ctx.read(item)` gets the
// very bytes the item's key was hashed from and the run reads each file
// once, not twice (a cold map over 100,000 small files read each again in
// its function: most of its main thread). The stat pass's worker copies
// each small file it hashes into a shared ring, in the order it reads
// them; this thread keeps the ones it hashes itself in a map, as many
// bytes at most as the ring holds (a block of large files it read before
// its items ran would be all in memory at once otherwise). The stage
// tells how far its items are done (`release`), and the worker waits for
// room rather than write over bytes an item may still ask for: it stays at
// most a ring ahead of the items. When the first items done asked for none
// (a function that reads its file itself), nothing more is kept. A file
// too large for the ring, or read when the ring was full, is not kept;
// ctx.read reads it again and checks its hash. Deleting this module (and its uses in stat-beside.ts,
// pass-answer.ts, later-hashes.ts and engine/map/item-read.ts) leaves
// ctx.read reading every file itself.
import { lowerBound } from '../util/sorted.js';
import { HASH_BESIDE_BATCH } from './hash-turns.js';

/** Bytes of the ring the worker copies files into. */
export const RING_BYTES = 8 << 20;
/** The largest file kept: a sixteenth of the ring, so a batch of files near it still fits. */
export const KEEP_MOST = RING_BYTES / 16;
/** Slot of KeptShared.control: files of the pass (their place in its list) below it are done with. */
const RELEASED = 0;
/** Slot of KeptShared.control: 1 while bytes are kept (0 once the first block's items asked for none). */
const WANTED = 1;
/** How long the worker waits for the items to release room before it looks again. */
const ROOM_WAIT_MS = 20;

/** What the worker is given to keep bytes in (the hash pass's message). */
export interface KeptShared {
  ring: Uint8Array;
  /** Per file of the pass: where its bytes start, counted from the ring's first byte ever written. */
  at: Float64Array;
  /** Per file of the pass: how many bytes are kept, or -1 (none). */
  length: Int32Array;
  control: Int32Array;
}

/**
 * The worker's side, as program text (stat-beside.ts's worker): with
 * `keep` (a KeptShared) given, `roomForBatch()` waits until the ring has
 * room for another batch (or `stop()` says the pass has ended), and
 * `keepBytes(k, bytes, n)` copies file k's first n bytes when they fit.
 */
export const KEEP_JS = `
let ringAt = 0;
/** Batches whose bytes are in the ring: [last file, first byte], oldest first. */
const ringBatches = [];
let batchStart = -1;
function ringOldest() {
  const released = Atomics.load(keep.control, ${RELEASED});
  while (ringBatches.length > 0 && ringBatches[0][0] < released) ringBatches.shift();
  return ringBatches.length > 0 ? ringBatches[0][1] : batchStart >= 0 ? batchStart : ringAt;
}
function roomForBatch(stop) {
  if (!keep) return;
  for (;;) {
    if (ringAt - ringOldest() <= ${(RING_BYTES * 3) / 4} || stop()) return;
    Atomics.wait(keep.control, ${RELEASED}, Atomics.load(keep.control, ${RELEASED}), ${ROOM_WAIT_MS});
  }
}
function keepBytes(k, bytes, n) {
  if (!keep || n < 0 || n > ${KEEP_MOST} || Atomics.load(keep.control, ${WANTED}) === 0) return;
  let at = ringAt;
  const offset = at % ${RING_BYTES};
  if (offset + n > ${RING_BYTES}) at += ${RING_BYTES} - offset;
  if (batchStart < 0) batchStart = ringAt;
  if (at + n - ringOldest() > ${RING_BYTES}) return;
  keep.ring.set(bytes.subarray(0, n), at % ${RING_BYTES});
  keep.at[k] = at;
  keep.length[k] = n;
  ringAt = at + n;
}
function keptBatch(lastFile) {
  if (batchStart >= 0) ringBatches.push([lastFile, batchStart]);
  batchStart = -1;
}
`;

/**
 * This thread's side: the bytes of file `i` of the pass's list while its
 * item may still ask for them, from the ring (a batch the worker read) or
 * from the map (one this thread read); `release(p)` once every file before
 * list position p is done with.
 */
export class KeptBytes {
  /** The pass's files to read, as positions in its list, ascending. */
  readonly #toRead: readonly number[];
  /** See `shared`. */
  #shared: KeptShared | undefined;
  /** Whether batch b of the pass was answered by the worker (its bytes are in the ring once it is). */
  #byWorker: (b: number) => boolean = () => false;
  /** Bytes of files this thread read, by list position; at most RING_BYTES of them at once. */
  readonly #here = new Map<number, Buffer>();
  #hereBytes = 0;
  /** Whether bytes are kept: not once the first block's items asked for none (they read their files themselves). */
  #isWanted = true;
  /** Whether an item asked for bytes. */
  #isAsked = false;
  /** Files (places in #toRead) below it are released: their ring bytes may be written over. */
  #released = 0;

  constructor(toRead: readonly number[], hasWorker: boolean) {
    this.#toRead = toRead;
    const count = toRead.length;
    this.#shared = hasWorker
      ? {
          ring: new Uint8Array(new SharedArrayBuffer(RING_BYTES)),
          at: new Float64Array(new SharedArrayBuffer(8 * count)),
          length: new Int32Array(new SharedArrayBuffer(4 * count)).fill(-1),
          control: new Int32Array(new SharedArrayBuffer(8)),
        }
      : undefined;
    if (this.#shared) this.#shared.control[WANTED] = 1;
  }

  /**
   * The ring and its index, when a worker reads some of the files (its
   * hash pass's message); dropped once every file is released.
   */
  get shared(): KeptShared | undefined {
    return this.#shared;
  }

  /** Tells which batches the worker answered (HashTurns.isWorkers), once the pass's turns are made. */
  answeredBy(byWorker: (b: number) => boolean): void {
    this.#byWorker = byWorker;
  }

  /** Keeps the bytes of list file `i` read on this thread (a copy: the reader's buffer is reused). */
  keepHere(i: number, bytes: Uint8Array): void {
    const n = bytes.length;
    if (!this.#isWanted || n > KEEP_MOST || this.#hereBytes + n > RING_BYTES || this.#place(i) < this.#released) return;
    this.#here.set(i, Buffer.from(bytes));
    this.#hereBytes += n;
  }

  /** A copy of list file `i`'s bytes, as hashed for its key, while kept; else undefined. */
  bytes(i: number): Buffer | undefined {
    const kept = this.#view(i);
    return kept && Buffer.from(kept);
  }

  /** List file `i`'s bytes decoded (no copy of them made first), while kept; else undefined. */
  text(i: number, encoding: BufferEncoding): string | undefined {
    return this.#view(i)?.toString(encoding);
  }

  /** File `i`'s kept bytes where they are (the ring, until released), or undefined. */
  #view(i: number): Buffer | undefined {
    this.#isAsked = true;
    const here = this.#here.get(i);
    if (here) return here;
    const k = this.#place(i);
    const shared = this.#shared;
    if (!shared || k < this.#released || this.#toRead[k] !== i || !this.#byWorker(Math.floor(k / HASH_BESIDE_BATCH)))
      return undefined;
    const { ring, at, length } = shared;
    const n = length[k] as number;
    if (n < 0) return undefined;
    return Buffer.from(ring.buffer, ring.byteOffset + ((at[k] as number) % RING_BYTES), n);
  }

  /** Every file before list position `p` is done with: the worker may write over its bytes. */
  release(p: number): void {
    const k = this.#place(p);
    if (k <= this.#released) return;
    for (const [i, bytes] of this.#here)
      if (i < p) {
        this.#here.delete(i);
        this.#hereBytes -= bytes.length;
      }
    this.#released = k;
    // Items done and none asked: they read their files themselves, so nothing more is kept.
    if (!this.#isAsked && this.#isWanted) this.#unwant();
    const shared = this.#shared;
    if (!shared) return;
    Atomics.store(shared.control, RELEASED, k);
    Atomics.notify(shared.control, RELEASED);
    // Every file released: the ring's memory goes, not held through the stages after this one.
    if (k >= this.#toRead.length) this.#shared = undefined;
  }

  #unwant(): void {
    this.#isWanted = false;
    this.#here.clear();
    this.#hereBytes = 0;
    if (this.#shared) Atomics.store(this.#shared.control, WANTED, 0);
  }

  /** The first place in #toRead holding list position `i` or a later one. */
  #place(i: number): number {
    return lowerBound(this.#toRead, i);
  }
}
