// Memory for the items of batches sent to worker threads, which each worker
// hands back with its answer: the next batch's items are copied into pages
// already faulted in, instead of into fresh ones. A fresh page costs a fault
// per 4 KiB the first time it is written (about 12 µs on the VM the
// benchmarks run on), so a stage whose items are 20 MiB of JSON lines spent
// ~5,000 faults of the main thread, which every worker shares, on copying
// them. A worker thread only: a child process (isolate: process) gets a copy
// of the items, and gives nothing back.
import { transferable } from './batch-wire.js';

/** Buffers kept for reuse, at most: a few per worker (one in flight each, one being filled). */
const KEPT = 8;
/** Bytes kept for reuse, at most: what the pool holds between stages, and after the last, until the run ends. */
const KEPT_BYTES = 32 << 20;
/** A buffer larger than this is not kept (a batch of huge items): it would hold that much memory for nothing. */
const LARGEST_KEPT = 16 << 20;
/** Capacities are rounded up to this, so blocks of slightly different sizes reuse each other's memory. */
const STEP = 64 << 10;

export class BatchMemory {
  readonly #free: ArrayBuffer[] = [];
  /** Bytes of #free. */
  #freeBytes = 0;
  /** Memory this has lent out: the pool may move it to a worker whole, though a view covers only part of it. */
  readonly #lent = new WeakSet<ArrayBuffer>();

  /** `size` bytes, reused where a buffer given back is large enough: the whole of a view's memory is the caller's to transfer. */
  take(size: number): Uint8Array {
    const found = this.#free.findIndex((buffer) => buffer.byteLength >= size);
    const buffer = found === -1 ? new ArrayBuffer(Math.ceil(size / STEP) * STEP || STEP) : this.#unshelve(found);
    this.#lent.add(buffer);
    return new Uint8Array(buffer, 0, size);
  }

  /** What postMessage may move with `bytes`: their memory when this lent it, though they cover only part of it; else as batch-wire.ts has it. */
  transferable(bytes: Uint8Array): ArrayBuffer[] {
    const { buffer } = bytes;
    return buffer instanceof ArrayBuffer && this.#lent.has(buffer) ? [buffer] : transferable(bytes);
  }

  /** A batch's items' memory, given back by the worker that computed it (and no longer reads it). */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength > LARGEST_KEPT || buffer.byteLength === 0) return;
    while (this.#free.length >= KEPT || (this.#free.length > 0 && this.#freeBytes + buffer.byteLength > KEPT_BYTES))
      this.#unshelve(0);
    this.#free.push(buffer);
    this.#freeBytes += buffer.byteLength;
  }

  /** Takes the kept buffer at `index` off the shelf. */
  #unshelve(index: number): ArrayBuffer {
    const [buffer] = this.#free.splice(index, 1) as [ArrayBuffer];
    this.#freeBytes -= buffer.byteLength;
    return buffer;
  }
}
