// The item manifest of a map stage with `cache: { scope: item }`: one blob
// per run that indexes every cached item's output lines inside the stage's
// own dataset blob, so a rerun reads one file, not a store row per item.
//
//   entry i   item key (KEY_BYTES of sha256 of the item's identity), where its
//             output lines are in the dataset (offset, length, record count),
//             and its raw result (offset, length in this blob's raw section;
//             only stages whose emit() must see the current item keep one)
//   block j   the key of a block of consecutive input items (a dispatch of
//             batchSize items) and the entries it covers: a rerun whose block
//             hashes the same reuses the whole block without keying its items
//
// Binary and little-endian: a header line of JSON naming each section's
// place, then the sections, each aligned to 8 bytes so that typed arrays
// view them in place. Nothing is kept per item in JS objects.
import { KEY_BYTES } from './item-keys.js';

const MAGIC = 'runner-item-manifest 1\n';
const HEADER_BYTES = 1024;

export interface ItemManifestHeader {
  /** The dataset blob the output offsets point into (uncompressed bytes). */
  dataset: string;
  entries: number;
  blocks: number;
  /** Section name -> [byte offset, byte length] in the blob. */
  sections: Record<SectionName, [number, number]>;
}

type SectionName =
  | 'keys'
  | 'outOffsets'
  | 'outLengths'
  | 'outCounts'
  | 'rawOffsets'
  | 'rawLengths'
  | 'blockKeys'
  | 'blockRanges'
  | 'raw';

/** The store's entry that names the manifest of an item scope (stage key without its items). */
export function itemsKey(scope: string): string {
  return `items:${scope}`;
}

/** What `items:<scope>` holds. */
export interface ItemsEntry {
  manifest: string;
  /** The dataset the manifest points into (kept with it by `cache prune`). */
  dataset: string;
  at: number;
}

/** Entry without a raw result. */
export const NO_RAW = 0xffffffff;

/** A decoded manifest: typed views over one buffer. */
export class ItemManifest {
  readonly dataset: string;
  readonly entries: number;
  readonly blocks: number;
  readonly keys: Buffer;
  readonly outOffsets: Float64Array;
  readonly outLengths: Uint32Array;
  readonly outCounts: Uint32Array;
  readonly rawOffsets: Float64Array;
  readonly rawLengths: Uint32Array;
  readonly blockKeys: Buffer;
  /** [firstEntry, count] per block. */
  readonly blockRanges: Uint32Array;
  readonly raw: Buffer;

  private constructor(header: ItemManifestHeader, data: Buffer) {
    const view = (name: SectionName): Buffer => {
      const [offset, length] = header.sections[name];
      if (offset + length > data.length) throw new Error(`section ${name} runs past the end`);
      return data.subarray(offset, offset + length);
    };
    const f64 = (name: SectionName, count: number): Float64Array => typed(view(name), Float64Array, count, name);
    const u32 = (name: SectionName, count: number): Uint32Array => typed(view(name), Uint32Array, count, name);
    this.dataset = header.dataset;
    this.entries = header.entries;
    this.blocks = header.blocks;
    this.keys = view('keys');
    if (this.keys.length !== this.entries * KEY_BYTES) throw new Error('keys section has the wrong size');
    this.outOffsets = f64('outOffsets', this.entries);
    this.outLengths = u32('outLengths', this.entries);
    this.outCounts = u32('outCounts', this.entries);
    // Stages that keep no raw results have no raw sections.
    const hasRaw = header.sections.rawLengths[1] > 0;
    this.rawOffsets = hasRaw ? f64('rawOffsets', this.entries) : new Float64Array(0);
    this.rawLengths = hasRaw ? u32('rawLengths', this.entries) : new Uint32Array(0);
    this.blockKeys = view('blockKeys');
    if (this.blockKeys.length !== this.blocks * KEY_BYTES) throw new Error('blockKeys section has the wrong size');
    this.blockRanges = u32('blockRanges', this.blocks * 2);
    this.raw = view('raw');
    for (let j = 0; j < this.blocks; j++) {
      const first = this.blockRanges[2 * j] ?? 0;
      if (first + (this.blockRanges[2 * j + 1] ?? 0) > this.entries)
        throw new Error(`block ${j} covers entries past the end`);
    }
  }

  /** Decodes a manifest blob; throws (with what is wrong) when it is not one. */
  static decode(data: Buffer): ItemManifest {
    if (data.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error('not an item manifest');
    const end = data.indexOf(10, MAGIC.length);
    if (end === -1) throw new Error('item manifest header is cut short');
    const header = JSON.parse(data.subarray(MAGIC.length, end).toString('utf8')) as ItemManifestHeader;
    return new ItemManifest(header, data);
  }

  /** The raw result of entry `i` as JSON text, or undefined when it has none. */
  rawOf(i: number): string | undefined {
    return this.rawBytesOf(i)?.toString('utf8');
  }

  /** The raw result of entry `i` as the bytes of its JSON text (a view), or undefined when it has none. */
  rawBytesOf(i: number): Buffer | undefined {
    if (this.rawLengths.length === 0) return undefined;
    const length = this.rawLengths[i] ?? NO_RAW;
    if (length === NO_RAW) return undefined;
    const offset = this.rawOffsets[i] ?? 0;
    return this.raw.subarray(offset, offset + length);
  }
}

function typed<T extends Float64Array | Uint32Array>(
  bytes: Buffer,
  kind: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
  count: number,
  name: string,
): T {
  if (bytes.length !== count * kind.BYTES_PER_ELEMENT) throw new Error(`${name} section has the wrong size`);
  // The sections are 8-byte aligned within the blob; the blob itself may not be within its ArrayBuffer.
  if (bytes.byteOffset % kind.BYTES_PER_ELEMENT === 0) return new kind(bytes.buffer, bytes.byteOffset, count);
  const copy = Buffer.alloc(bytes.length);
  bytes.copy(copy);
  return new kind(copy.buffer, copy.byteOffset, count);
}

/** Grows typed arrays as entries are added; encode() lays them out as a manifest blob. */
export class ItemManifestBuilder {
  #entries = 0;
  #blocks = 0;
  #keys: Buffer;
  #outOffsets: Float64Array;
  #outLengths: Uint32Array;
  #outCounts: Uint32Array;
  #rawOffsets: Float64Array;
  #rawLengths: Uint32Array;
  #blockKeys = Buffer.allocUnsafe(KEY_BYTES * 64);
  #blockRanges = new Uint32Array(128);
  readonly #raw: Buffer[] = [];
  #rawBytes = 0;
  #hasRaw = false;

  /** `capacity`: the entries expected (a rerun: the last run's), so that the arrays rarely grow. */
  constructor(capacity = 1024) {
    const size = Math.max(1024, capacity);
    this.#keys = Buffer.allocUnsafe(KEY_BYTES * size);
    this.#outOffsets = new Float64Array(size);
    this.#outLengths = new Uint32Array(size);
    this.#outCounts = new Uint32Array(size);
    this.#rawOffsets = new Float64Array(size);
    this.#rawLengths = new Uint32Array(size);
  }

  get entries(): number {
    return this.#entries;
  }

  /** Adds an entry; `keys` holds its key at `keyOffset`. Returns its index. */
  add(
    keys: Buffer,
    keyOffset: number,
    outOffset: number,
    outLength: number,
    outCount: number,
    raw?: string | Buffer,
  ): number {
    const i = this.#entries;
    this.#reserve(i + 1);
    keys.copy(this.#keys, i * KEY_BYTES, keyOffset, keyOffset + KEY_BYTES);
    this.#outOffsets[i] = outOffset;
    this.#outLengths[i] = outLength;
    this.#outCounts[i] = outCount;
    this.#setRaw(i, raw);
    this.#entries++;
    return i;
  }

  /**
   * Adds entries [first, first + count) of `from` (a reused run of a block's
   * items), their outputs now `shift` bytes further on: whole-array copies,
   * nothing per item but the offsets (and raw results, when kept). Returns
   * the index of the first.
   */
  addFrom(from: ItemManifest, first: number, count: number, shift: number): number {
    const start = this.#entries;
    this.#reserve(start + count);
    from.keys.copy(this.#keys, start * KEY_BYTES, first * KEY_BYTES, (first + count) * KEY_BYTES);
    for (let k = 0; k < count; k++) this.#outOffsets[start + k] = (from.outOffsets[first + k] ?? 0) + shift;
    this.#outLengths.set(from.outLengths.subarray(first, first + count), start);
    this.#outCounts.set(from.outCounts.subarray(first, first + count), start);
    for (let k = 0; k < count; k++) this.#setRaw(start + k, from.rawBytesOf(first + k));
    this.#entries += count;
    return start;
  }

  #setRaw(i: number, raw: string | Buffer | undefined): void {
    if (raw === undefined) {
      this.#rawOffsets[i] = 0;
      this.#rawLengths[i] = NO_RAW;
      return;
    }
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    this.#hasRaw = true;
    this.#rawOffsets[i] = this.#rawBytes;
    this.#rawLengths[i] = bytes.length;
    this.#raw.push(bytes);
    this.#rawBytes += bytes.length;
  }

  /** Records that entries [first, first + count) are the items of a block whose sha256 is `key`. */
  addBlock(key: Buffer, first: number, count: number): void {
    const j = this.#blocks;
    if ((j + 1) * KEY_BYTES > this.#blockKeys.length) {
      const keys = Buffer.allocUnsafe(this.#blockKeys.length * 2);
      this.#blockKeys.copy(keys);
      this.#blockKeys = keys;
      const ranges = new Uint32Array(this.#blockRanges.length * 2);
      ranges.set(this.#blockRanges);
      this.#blockRanges = ranges;
    }
    key.copy(this.#blockKeys, j * KEY_BYTES, 0, KEY_BYTES);
    this.#blockRanges[2 * j] = first;
    this.#blockRanges[2 * j + 1] = count;
    this.#blocks++;
  }

  encode(dataset: string): Buffer {
    const n = this.#entries;
    const parts: [SectionName, Uint8Array][] = [
      ['keys', this.#keys.subarray(0, n * KEY_BYTES)],
      ['outOffsets', bytesOf(this.#outOffsets, n)],
      ['outLengths', bytesOf(this.#outLengths, n)],
      ['outCounts', bytesOf(this.#outCounts, n)],
      ['rawOffsets', bytesOf(this.#rawOffsets, this.#hasRaw ? n : 0)],
      ['rawLengths', bytesOf(this.#rawLengths, this.#hasRaw ? n : 0)],
      ['blockKeys', this.#blockKeys.subarray(0, this.#blocks * KEY_BYTES)],
      ['blockRanges', bytesOf(this.#blockRanges, this.#blocks * 2)],
    ];
    // The header goes in a fixed-size area, so that the sections' offsets
    // are known before it is written.
    const sections = {} as Record<SectionName, [number, number]>;
    let offset = HEADER_BYTES;
    for (const [name, bytes] of parts) {
      sections[name] = [offset, bytes.length];
      offset = align8(offset + bytes.length);
    }
    sections.raw = [offset, this.#rawBytes];
    offset = align8(offset + this.#rawBytes);
    const json = JSON.stringify({ dataset, entries: n, blocks: this.#blocks, sections } satisfies ItemManifestHeader);
    const out = Buffer.alloc(offset, 0);
    out.write(`${`${MAGIC}${json}`.padEnd(HEADER_BYTES - 1, ' ')}\n`, 0, 'utf8');
    for (const [name, bytes] of parts) out.set(bytes, sections[name][0]);
    // The raw results go straight into place: joined first, they would be copied twice.
    let at = sections.raw[0];
    for (const bytes of this.#raw) at += bytes.copy(out, at);
    return out;
  }

  /** Room for `entries` entries. */
  #reserve(entries: number): void {
    if (entries <= this.#outOffsets.length) return;
    const size = Math.max(entries, this.#outOffsets.length * 2);
    const keys = Buffer.allocUnsafe(size * KEY_BYTES);
    this.#keys.copy(keys);
    this.#keys = keys;
    this.#outOffsets = grown(this.#outOffsets, new Float64Array(size));
    this.#outLengths = grown(this.#outLengths, new Uint32Array(size));
    this.#outCounts = grown(this.#outCounts, new Uint32Array(size));
    this.#rawOffsets = grown(this.#rawOffsets, new Float64Array(size));
    this.#rawLengths = grown(this.#rawLengths, new Uint32Array(size));
  }
}

function grown<T extends Float64Array | Uint32Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

function bytesOf(array: Float64Array | Uint32Array, count: number): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, count * array.BYTES_PER_ELEMENT);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
