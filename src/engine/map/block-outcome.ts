// What one block of a map stage came to, kept compact: typed arrays and
// one string of output lines, no object per item. Without `stream` every
// block is held until the last one is done, so a block must cost about its
// output bytes, not its item count times an object.
import type { ItemBlock } from './item-source.js';

/** refs[i] of an item that has no stored entry (computed now, or failed). */
export const FRESH = -1;

const FAILED = 1;
const RECORDED = 2;
const CACHED = 4;

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
  /** Fresh items: records, UTF-16 length and UTF-8 bytes of their lines in `text`. */
  readonly records: Uint32Array;
  readonly chars: Uint32Array;
  readonly bytes: Uint32Array;
  /** The fresh items' output lines, in item order. */
  text = '';
  /** Raw results to keep (stages whose emit() needs the current item). */
  raws: (string | undefined)[] | undefined;
  /** Failed items: position, identity, message. */
  readonly failures: { i: number; item: string; message: string }[] = [];
  #outs: (string | undefined)[] | undefined;

  constructor(block: ItemBlock, isReused = false) {
    this.firstIndex = block.firstIndex;
    this.count = block.count;
    this.spans = block.spans;
    const n = isReused ? 0 : block.count;
    this.refs = new Int32Array(n).fill(FRESH);
    this.#flags = new Uint8Array(n);
    this.records = new Uint32Array(n);
    this.chars = new Uint32Array(n);
    this.bytes = new Uint32Array(n);
  }

  /** Item `i` is a stored entry. */
  found(i: number, ref: number): void {
    this.refs[i] = ref;
    this.#flags[i] = CACHED;
  }

  /** Item `i` produced `out` (its output lines, `bytes` of UTF-8 when known); `isCached`: from a cached raw result. */
  produced(
    i: number,
    out: string,
    records: number,
    options: { raw?: string; isRecorded: boolean; isCached: boolean; bytes?: number },
  ): void {
    this.#outs ??= [];
    this.#outs[i] = out;
    this.records[i] = records;
    this.chars[i] = out.length;
    this.bytes[i] = options.bytes ?? Buffer.byteLength(out);
    this.#flags[i] = (options.isRecorded ? RECORDED : 0) | (options.isCached ? CACHED : 0);
    if (options.raw !== undefined) {
      this.raws ??= [];
      this.raws[i] = options.raw;
    }
  }

  failed(i: number, item: string, message: string): void {
    this.#flags[i] = FAILED;
    this.failures.push({ i, item, message });
  }

  /** Item `i`'s lines, before seal(). */
  outOf(i: number): string | undefined {
    return this.#outs?.[i];
  }

  /** Joins the fresh items' lines into `text`. */
  seal(): void {
    if (this.#outs) this.text = this.#outs.join('');
    this.#outs = undefined;
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

  /** Items that count as cached: reused or found entries, and cached results emitted again. */
  get cachedCount(): number {
    if (this.reused) return this.count;
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.isCached(i)) n++;
    return n;
  }
}
