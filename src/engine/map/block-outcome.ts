// What one block of a map stage came to, kept compact: typed arrays and
// one buffer of output lines, no object per item. Without `stream` every
// block is held until the last one is done, so a block must cost about its
// output bytes, not its item count times an object.
import type { ItemBlock } from './item-source.js';

/** refs[i] of an item that has no stored entry (computed now, or failed). */
export const FRESH = -1;

const EMPTY = new Uint8Array(0);
const NO_STARTS = new Uint32Array(0);

const FAILED = 1;
const RECORDED = 2;
const CACHED = 4;
const PRODUCED = 8;
/** Its result was kept out of the cache by the stage's cacheable(). */
const KEPT_OUT = 16;

export class BlockOutcome {
  readonly firstIndex: number;
  readonly count: number;
  /** The upstream chunks the block's items lie in (records read chunk by chunk). */
  readonly spans: ItemBlock['spans'];
  /** The block's key (with an item cache). */
  blockKey?: Buffer;
  /** Every item is one of the last manifest's entries [first, first + count). */
  reused?: { first: number; count: number };
  /** Item keys, KEY_BYTES each (with an item cache). */
  keys?: Buffer;
  /** Per item: a stored entry (ItemStore.find) whose lines are reused, or FRESH. */
  readonly refs: Int32Array;
  readonly #flags: Uint8Array;
  /** Fresh items: records, and the UTF-8 bytes of their lines in `lines`. */
  readonly records: Uint32Array;
  readonly bytes: Uint32Array;
  /** After seal(): the fresh items' output lines, in item order, as UTF-8. */
  lines: Uint8Array = EMPTY;
  /** After seal(): where in `lines` each fresh item's lines begin. */
  #starts: Uint32Array = NO_STARTS;
  /** Raw results to keep (stages whose emit() needs the current item). */
  raws: (Uint8Array | string | undefined)[] | undefined;
  /** Failed items: position, identity, message. */
  readonly failures: { i: number; item: string; message: string }[] = [];
  /** Before seal(): each fresh item's lines, as text (made here) or bytes (a view of a worker's answer). */
  #outs: (Uint8Array | string | undefined)[] | undefined;

  constructor(block: ItemBlock, isReused = false) {
    this.firstIndex = block.firstIndex;
    this.count = block.count;
    this.spans = block.spans;
    const n = isReused ? 0 : block.count;
    this.refs = new Int32Array(n).fill(FRESH);
    this.#flags = new Uint8Array(n);
    this.records = new Uint32Array(n);
    this.bytes = new Uint32Array(n);
  }

  /** Item `i` is a stored entry. */
  found(i: number, ref: number): void {
    this.refs[i] = ref;
    this.#flags[i] = CACHED;
  }

  /**
   * Item `i` produced `out` (its output lines); `isCached`: from a cached raw
   * result; `isKeptOut`: the stage's cacheable() kept its result out of the cache.
   */
  produced(
    i: number,
    out: Uint8Array | string,
    records: number,
    options: { raw?: Uint8Array | string; isRecorded: boolean; isCached: boolean; isKeptOut?: boolean },
  ): void {
    this.#outs ??= [];
    this.#outs[i] = out;
    this.records[i] = records;
    this.bytes[i] = typeof out === 'string' ? Buffer.byteLength(out) : out.length;
    this.#flags[i] =
      PRODUCED |
      (options.isRecorded ? RECORDED : 0) |
      (options.isCached ? CACHED : 0) |
      (options.isKeptOut === true ? KEPT_OUT : 0);
    if (options.raw !== undefined) {
      this.raws ??= [];
      this.raws[i] = options.raw;
    }
  }

  failed(i: number, item: string, message: string): void {
    this.#flags[i] = FAILED;
    this.failures.push({ i, item, message });
  }

  /** Whether item `i` produced lines (they are in `lines` after seal()). */
  hasLines(i: number): boolean {
    return ((this.#flags[i] ?? 0) & PRODUCED) !== 0;
  }

  /** Item `i`'s lines, after seal(). */
  linesOf(i: number): Uint8Array {
    const start = this.#starts[i] ?? 0;
    return this.lines.subarray(start, start + (this.bytes[i] ?? 0));
  }

  /**
   * Puts the fresh items' lines one after another into `lines`: the very
   * bytes of a worker's answer when they already lie so (a block computed
   * in one batch), else copied, text encoded, into one buffer.
   */
  seal(): void {
    const outs = this.#outs;
    this.#outs = undefined;
    if (!outs) return;
    const starts = new Uint32Array(this.count);
    let total = 0;
    let view: Uint8Array | undefined;
    let isOneView = true;
    for (let i = 0; i < outs.length; i++) {
      const out = outs[i];
      if (out === undefined) continue;
      starts[i] = total;
      if (typeof out === 'string') isOneView = false;
      else if (view === undefined) view = out;
      else if (out.buffer !== view.buffer || out.byteOffset !== view.byteOffset + total) isOneView = false;
      total += this.bytes[i] ?? 0;
    }
    this.#starts = starts;
    if (isOneView && view) {
      this.lines = new Uint8Array(view.buffer, view.byteOffset, total);
      return;
    }
    const lines = Buffer.allocUnsafe(total);
    for (let i = 0; i < outs.length; i++) {
      const out = outs[i];
      if (out === undefined) continue;
      if (typeof out === 'string') lines.write(out, starts[i] ?? 0);
      else lines.set(out, starts[i] ?? 0);
      // A raw result kept as a view would hold its whole answer for as long as the block is held.
      const raw = this.raws?.[i];
      if (this.raws && raw instanceof Uint8Array) this.raws[i] = Buffer.from(raw);
    }
    this.lines = lines;
  }

  isFailed(i: number): boolean {
    return this.#flags[i] === FAILED;
  }

  isRecorded(i: number): boolean {
    return ((this.#flags[i] ?? 0) & RECORDED) !== 0;
  }

  isCached(i: number): boolean {
    return ((this.#flags[i] ?? 0) & CACHED) !== 0;
  }

  isKeptOut(i: number): boolean {
    return ((this.#flags[i] ?? 0) & KEPT_OUT) !== 0;
  }

  /** Items that count as cached: reused or found entries, and cached results emitted again. */
  get cachedCount(): number {
    if (this.reused) return this.count;
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.isCached(i)) n++;
    return n;
  }
}
