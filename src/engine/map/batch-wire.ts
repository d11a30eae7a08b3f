// How a batch crosses to a worker thread or child process and back: the
// items as the UTF-8 bytes of their JSON lines (a block of records is its
// bytes copied, never decoded here), and the answer as the UTF-8 bytes of
// every item's output lines and raw results with three numbers per item.
// The main thread, which every worker shares, then moves one buffer each
// way per batch (to and from a worker thread transferred, not copied)
// instead of a string, an object and an array per item, and writes an
// item's lines into the journal and the dataset without encoding them. A
// remote worker's batch and answer cross as JSON (textOf, toWire, fromWire).
import type { JsonRecord } from '../../api.js';
import { blockOf, isLineEnded } from '../dataset-reader.js';
import type { RecordBlock } from '../dataset-reader.js';
import { recordJson } from '../record-json.js';
import type { ItemResult, LinesResult } from './pool.js';

type ItemError = { message: string; stack?: string };

/** A batch's answer as it crosses the thread boundary (see AnswerBuilder). */
export interface BatchAnswer {
  /**
   * As UTF-8: the output lines of the items that succeeded, in item order,
   * each ending in a newline; then their raw results as JSON, in item order
   * (stages whose emit needs the current item keep them).
   */
  bytes: Uint8Array;
  /**
   * Per item, three numbers: its records (-1: it failed), its lines' bytes,
   * its raw result's bytes (-1: none). Memory of its own, outside the
   * JavaScript heap, as the bytes are, and moved with them.
   */
  sizes: Int32Array;
  /** The failed items' errors, by position in the batch. */
  errors: Record<number, ItemError>;
  /** Positions of the items whose result cacheable() refused. */
  uncacheable?: number[];
}

/**
 * `text` as UTF-8 in memory of its own (from `memory`: a pool's, which it
 * reuses), which a worker thread can be given: a batch's items.
 */
export function ownedUtf8(
  text: string,
  memory: (size: number) => Uint8Array = (size) => Buffer.allocUnsafeSlow(size),
): Uint8Array {
  const owned = memory(Buffer.byteLength(text));
  Buffer.from(owned.buffer, owned.byteOffset, owned.length).write(text);
  return owned;
}

/** What postMessage may move instead of copying: `bytes`' memory, when they are the whole of it (see ownedUtf8). */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  const isWhole = buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  return isWhole ? [buffer] : [];
}

/** UTF-8 bytes as text (a remote worker gets a batch's items, and gives back its lines, in JSON). */
export function textOf(items: Uint8Array): string {
  return Buffer.from(items.buffer, items.byteOffset, items.length).toString('utf8');
}

/**
 * A batch's items, `count` JSON lines each ending in a newline, as a block
 * of records (dataset-reader.ts): each parsed when its turn comes (item),
 * or all at once (records) for a `batch` export. Read one at a time, a
 * batch's items wait as bytes outside the JavaScript heap, not as records
 * that would survive the worker's young-generation collections, which
 * grow with what survives them and then cost more for all the garbage an
 * item's work makes.
 */
export function batchBlock(items: Uint8Array, count: number): RecordBlock {
  const bytes = Buffer.from(items.buffer, items.byteOffset, items.length);
  if (bytes.length > 0 && !isLineEnded(bytes))
    throw new Error(`a batch of ${count} items came with its last line unended`);
  const block = blockOf(bytes, 0, 'the batch');
  if (block.count !== count) throw new Error(`a batch of ${count} items came with ${block.count} lines`);
  return block;
}

/** Builds a BatchAnswer item by item, in order (the worker's side), for a batch of `count` items. */
export class AnswerBuilder {
  readonly #lines = new Utf8Bytes();
  readonly #raws = new Utf8Bytes();
  readonly #sizes: Int32Array;
  /** Items answered so far. */
  #n = 0;
  readonly #errors: Record<number, ItemError> = {};
  readonly #uncacheable: number[] = [];

  constructor(count: number) {
    this.#sizes = new Int32Array(new ArrayBuffer(count * 3 * Int32Array.BYTES_PER_ELEMENT));
  }

  /** The next item produced `records`; `raw`: its result as JSON, when the stage keeps it. */
  add(records: JsonRecord[], options: { raw?: string; isCacheable: boolean }): void {
    // Every record written to JSON before the item takes its place: one that
    // cannot be leaves nothing of the item, and fail() answers for it instead.
    let out = '';
    for (const record of records) out += `${recordJson(record)}\n`;
    const n = this.#next();
    const bytes = this.#lines.add(out);
    const rawBytes = options.raw === undefined ? -1 : this.#raws.add(options.raw);
    this.#put(n, records.length, bytes, rawBytes);
    if (!options.isCacheable) this.#uncacheable.push(n);
  }

  /** The next item failed. */
  fail(error: ItemError): void {
    const n = this.#next();
    this.#errors[n] = error;
    this.#put(n, -1, 0, -1);
  }

  #put(n: number, records: number, bytes: number, rawBytes: number): void {
    this.#sizes[n * 3] = records;
    this.#sizes[n * 3 + 1] = bytes;
    this.#sizes[n * 3 + 2] = rawBytes;
  }

  #next(): number {
    if (this.#n * 3 >= this.#sizes.length)
      throw new Error(`a batch of ${this.#sizes.length / 3} items answered for more`);
    return this.#n++;
  }

  /** The answer; its bytes and sizes own their memory, so a worker thread can transfer them. Call once. */
  finish(): BatchAnswer {
    if (this.#n * 3 !== this.#sizes.length)
      throw new Error(`a batch of ${this.#sizes.length / 3} items answered for ${this.#n}`);
    const bytes = Buffer.allocUnsafeSlow(this.#lines.length + this.#raws.length);
    this.#lines.moveTo(bytes, 0);
    this.#raws.moveTo(bytes, this.#lines.length);
    const answer: BatchAnswer = { bytes, sizes: this.#sizes, errors: this.#errors };
    if (this.#uncacheable.length > 0) answer.uncacheable = this.#uncacheable;
    return answer;
  }
}

/** Memory of finished answers kept for the next ones: at most this many buffers, each at most SPARE_MAX bytes. */
const SPARES = 4;
const SPARE_MAX = 4 * 1024 * 1024;
const spares: Buffer[] = [];

/**
 * Text appended as UTF-8, each piece encoded as it is added, into memory
 * reused from one answer to the next. Joined into one string first, an
 * answer was a rope of every item's lines, alive (and copied by each
 * young-generation collection) until the batch ended, then flattened and
 * encoded: about a tenth of a worker's time in simtask's scan.
 */
class Utf8Bytes {
  #buffer = spares.pop() ?? Buffer.allocUnsafeSlow(64 * 1024);
  length = 0;

  /** Appends `text`; its bytes. */
  add(text: string): number {
    const bytes = Buffer.byteLength(text);
    const end = this.length + bytes;
    if (end > this.#buffer.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(end, this.#buffer.length * 2));
      this.#buffer.copy(larger, 0, 0, this.length);
      this.#buffer = larger;
    }
    this.#buffer.write(text, this.length);
    this.length = end;
    return bytes;
  }

  /** Copies what was added into `target` at `offset`; the memory goes to the next answer. */
  moveTo(target: Uint8Array, offset: number): void {
    target.set(this.#buffer.subarray(0, this.length), offset);
    if (spares.length < SPARES && this.#buffer.length <= SPARE_MAX) spares.push(this.#buffer);
  }
}

/**
 * A BatchAnswer as one result per item (the main thread's side): an item's
 * lines and raw result are views of their bytes in the answer.
 */
export function itemResults(answer: BatchAnswer, count: number): ItemResult[] {
  const { bytes, sizes, errors } = answer;
  if (sizes.length !== count * 3) throw new Error(`a batch of ${count} items was answered for ${sizes.length / 3}`);
  // The raw results follow every item's lines.
  let rawAt = 0;
  let rawTotal = 0;
  for (let n = 0; n < count; n++) {
    if ((sizes[n * 3] ?? -1) >= 0) rawAt += sizes[n * 3 + 1] ?? 0;
    rawTotal += Math.max(sizes[n * 3 + 2] ?? -1, 0);
  }
  const rawEnd = rawAt + rawTotal;
  if (rawEnd !== bytes.length)
    throw new Error(`a batch's answer said ${rawEnd} bytes of lines and raw results and came with ${bytes.length}`);
  const uncacheable = new Set(answer.uncacheable);
  const results = new Array<ItemResult>(count);
  let at = 0;
  for (let n = 0; n < count; n++) {
    const records = sizes[n * 3] ?? -1;
    if (records < 0) {
      results[n] = { ok: false, error: errors[n] ?? { message: 'no result' } };
      continue;
    }
    const lineBytes = sizes[n * 3 + 1] ?? 0;
    const result: LinesResult = { ok: true, out: bytes.subarray(at, at + lineBytes), records };
    at += lineBytes;
    const rawBytes = sizes[n * 3 + 2] ?? -1;
    if (rawBytes >= 0) {
      result.raw = bytes.subarray(rawAt, rawAt + rawBytes);
      rawAt += rawBytes;
    }
    if (uncacheable.has(n)) result.isCacheable = false;
    results[n] = result;
  }
  return results;
}

/** An item's result as JSON can carry it to and from a remote worker: its lines as text, with their bytes. */
export type WireResult =
  | { ok: true; out: string; records: number; bytes: number; raw?: string; isCacheable?: false }
  | { ok: true; value: unknown }
  | { ok: false; error: ItemError };

export function toWire(results: readonly ItemResult[]): WireResult[] {
  return results.map((result) => {
    if (!result.ok || !('out' in result)) return result;
    const { out, raw, ...rest } = result;
    const wire: WireResult = { ...rest, out: textOf(out), bytes: out.length };
    if (raw !== undefined) wire.raw = typeof raw === 'string' ? raw : textOf(raw);
    return wire;
  });
}

/** Results from the wire, each checked by resultProblem first. */
export function fromWire(results: readonly WireResult[]): ItemResult[] {
  return results.map((result) => {
    if (!result.ok || !('out' in result)) return result;
    const { out, bytes: _bytes, ...rest } = result;
    return { ...rest, out: Buffer.from(out, 'utf8') };
  });
}

/**
 * What is wrong with an item's result that came from outside this process
 * (a remote worker's answer, read as JSON), if anything: a computed item is
 * its lines, each ending in a newline, as many as its record count, of the
 * UTF-8 bytes it says (the new item manifest indexes the dataset by them);
 * a failed one has a message.
 */
export function resultProblem(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return 'not an object';
  const r = result as Record<string, unknown>;
  if (r.ok === false) {
    const error = r.error as { message?: unknown } | undefined;
    return typeof error?.message === 'string' ? undefined : 'a failure without a message';
  }
  const { out, records, bytes, raw } = r;
  if (r.ok !== true || typeof out !== 'string' || typeof records !== 'number' || typeof bytes !== 'number')
    return 'neither lines nor a failure';
  let lines = 0;
  for (let at = out.indexOf('\n'); at !== -1; at = out.indexOf('\n', at + 1)) lines++;
  if (out !== '' && !out.endsWith('\n')) return 'its last line has no newline';
  if (lines !== records) return `${records} records in ${lines} lines`;
  const actual = Buffer.byteLength(out);
  if (actual !== bytes) return `${bytes} bytes said, ${actual} sent`;
  if (raw !== undefined && typeof raw !== 'string') return 'a raw result that is not text';
  return undefined;
}
