// The item manifest of a map stage with `cache: { scope: item }`: one byte
// string per run that indexes every cached item's output lines inside the
// stage's own dataset, so a rerun reads it whole, not a store row per item.
// It is stored in pieces (dataset-chunks.ts, putPieces): a rerun that
// changed a few items writes the pieces their entries lie in and names the
// others (format 2 written whole, by an older runner, is read as one piece).
//
//   entry i   item key (KEY_BYTES of sha256 of the item's identity), where its
//             output lines are in the dataset (offset, length, record count),
//             and its raw result (offset, length in the raw dataset)
//   block j   the key of a block of consecutive input items (a dispatch of
//             at most batchSize items) and the entries it covers: a rerun whose block
//             hashes the same reuses the whole block without keying its items
//
// Binary and little-endian: a header line of JSON naming each section's
// place, then the sections, each aligned to 8 bytes so that typed arrays
// view them in place. Nothing is kept per item in JS objects.
//
// Raw results (kept only by stages whose emit() must see the current item)
// are JSON lines of a dataset of their own, in chunks like the stage's
// records, so a rerun names the chunks it keeps. Format 1 held them in a raw
// section of the manifest blob; it is still read.
import fs from 'node:fs';
import path from 'node:path';
import { chunksNamedIn } from './dataset-chunks.js';
import { copyKey, KEY_BYTES } from './item-keys.js';
import { bytesOf } from '../util/bytes.js';

const MAGIC = 'runner-item-manifest 2\n';
const MAGIC_1 = 'runner-item-manifest 1\n';
const HEADER_BYTES = 1024;

export interface ItemManifestHeader {
  /** The dataset blob the output offsets point into (uncompressed bytes). */
  dataset: string;
  /** The dataset of raw results the raw offsets point into (none: no raw results, or format 1's raw section). */
  raws?: string;
  entries: number;
  blocks: number;
  /** Section name -> [byte offset, byte length] in the blob (format 1 also had `raw`). */
  sections: Record<SectionName, [number, number]> & { raw?: [number, number] };
}

type SectionName =
  | 'keys'
  | 'outOffsets'
  | 'outLengths'
  | 'outCounts'
  | 'rawOffsets'
  | 'rawLengths'
  | 'blockKeys'
  | 'blockRanges';

/** The store's entry that names the manifest of an item scope (stage key without its items). */
export function itemsKey(scope: string): string {
  return `items:${scope}`;
}

/** What `items:<scope>` holds. */
export interface ItemsEntry {
  manifest: string;
  /** The datasets the manifest points into (kept with it by `cache prune`). */
  dataset: string;
  raws?: string;
  at: number;
}

/** The datasets the item manifest in `file` points into; none when it is not a manifest (for `cache prune`). */
export function datasetsNamedIn(file: string): string[] {
  // A manifest in pieces (dataset-chunks.ts, putPieces) has its header at the start of its first piece.
  const first = chunksNamedIn(file)[0];
  return headerDatasets(first === undefined ? file : path.join(path.dirname(file), first));
}

function headerDatasets(file: string): string[] {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(HEADER_BYTES);
    fs.readSync(fd, head, 0, HEADER_BYTES, 0);
    fs.closeSync(fd);
    const header = headerOf(head);
    return [header.dataset, header.raws].filter((hash) => typeof hash === 'string');
  } catch {
    return [];
  }
}

/** The header of a manifest blob (or of its first HEADER_BYTES); throws when it is not one. */
function headerOf(data: Buffer): ItemManifestHeader {
  const magic = data.toString('latin1', 0, MAGIC.length);
  if (magic !== MAGIC && magic !== MAGIC_1) throw new Error('not an item manifest');
  const end = data.indexOf(10, MAGIC.length);
  if (end === -1) throw new Error('item manifest header is cut short');
  return JSON.parse(data.subarray(MAGIC.length, end).toString('utf8')) as ItemManifestHeader;
}

/** Entry without a raw result. */
export const NO_RAW = 0xffffffff;

/** A decoded manifest: typed views over one buffer. */
export class ItemManifest {
  readonly dataset: string;
  readonly raws: string | undefined;
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
  /** Format 1's raw results (empty in format 2: they are in the `raws` dataset). */
  readonly raw: Buffer;

  private constructor(header: ItemManifestHeader, data: Buffer) {
    const view = (name: SectionName | 'raw'): Buffer => {
      const [offset, length] = header.sections[name] ?? [0, 0];
      if (offset + length > data.length) throw new Error(`section ${name} runs past the end`);
      return data.subarray(offset, offset + length);
    };
    const f64 = (name: SectionName, count: number): Float64Array => typed(view(name), Float64Array, count, name);
    const u32 = (name: SectionName, count: number): Uint32Array => typed(view(name), Uint32Array, count, name);
    this.dataset = header.dataset;
    this.raws = header.raws;
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
    this.raw = header.sections.raw ? view('raw') : Buffer.alloc(0);
    for (let j = 0; j < this.blocks; j++) {
      const first = this.blockRanges[2 * j] ?? 0;
      if (first + (this.blockRanges[2 * j + 1] ?? 0) > this.entries)
        throw new Error(`block ${j} covers entries past the end`);
    }
  }

  /** Decodes a manifest blob; throws (with what is wrong) when it is not one. */
  static decode(data: Buffer): ItemManifest {
    return new ItemManifest(headerOf(data), data);
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
  add(keys: Buffer, keyOffset: number, outOffset: number, outLength: number, outCount: number): number {
    const i = this.#entries;
    this.#reserve(i + 1);
    copyKey(keys, keyOffset, this.#keys, i * KEY_BYTES);
    this.#outOffsets[i] = outOffset;
    this.#outLengths[i] = outLength;
    this.#outCounts[i] = outCount;
    this.#rawLengths[i] = NO_RAW;
    this.#entries++;
    return i;
  }

  /**
   * Adds entries [first, first + count) of `from` (a reused run of a block's
   * items), their outputs now `shift` bytes further on: whole-array copies,
   * nothing per item but the offsets. Their raw results are set apart
   * (setRaw). Returns the index of the first.
   */
  addFrom(from: ItemManifest, first: number, count: number, shift: number): number {
    const start = this.#entries;
    this.#reserve(start + count);
    from.keys.copy(this.#keys, start * KEY_BYTES, first * KEY_BYTES, (first + count) * KEY_BYTES);
    for (let k = 0; k < count; k++) this.#outOffsets[start + k] = (from.outOffsets[first + k] ?? 0) + shift;
    this.#outLengths.set(from.outLengths.subarray(first, first + count), start);
    this.#outCounts.set(from.outCounts.subarray(first, first + count), start);
    this.#rawLengths.fill(NO_RAW, start, start + count);
    this.#entries += count;
    return start;
  }

  /** Entry `i`'s raw result is the bytes [offset, offset + length) of the raw dataset. */
  setRaw(i: number, offset: number, length: number): void {
    this.#hasRaw = true;
    this.#rawOffsets[i] = offset;
    this.#rawLengths[i] = length;
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
    copyKey(key, 0, this.#blockKeys, j * KEY_BYTES);
    this.#blockRanges[2 * j] = first;
    this.#blockRanges[2 * j + 1] = count;
    this.#blocks++;
  }

  /** The manifest blob, in one buffer. */
  encode(dataset: string, raws?: string): Buffer {
    return Buffer.concat(this.encodeParts(dataset, raws));
  }

  /**
   * The manifest blob as the parts it is made of, in order: the header, then
   * each section and the zeros that align the next, views of the builder's
   * arrays (putPieces stores them without joining them: a million entries
   * are 40 MB, which a copy wrote to fresh memory once more).
   */
  encodeParts(dataset: string, raws?: string): Uint8Array[] {
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
    const sections = {} as ItemManifestHeader['sections'];
    let offset = HEADER_BYTES;
    for (const [name, bytes] of parts) {
      sections[name] = [offset, bytes.length];
      offset = align8(offset + bytes.length);
    }
    // No raw results: `raws` undefined, left out of the JSON.
    const json = JSON.stringify({ dataset, raws, entries: n, blocks: this.#blocks, sections } as ItemManifestHeader);
    const header = Buffer.from(`${`${MAGIC}${json}`.padEnd(HEADER_BYTES - 1, ' ')}\n`, 'utf8');
    if (header.length !== HEADER_BYTES) throw new Error(`an item manifest's header needs ${header.length} bytes`);
    const out: Uint8Array[] = [header];
    for (const [name, bytes] of parts) {
      out.push(bytes);
      const end = sections[name][0] + bytes.length;
      if (align8(end) > end) out.push(Buffer.alloc(align8(end) - end));
    }
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

function align8(n: number): number {
  return (n + 7) & ~7;
}
