// The items of a map stage, in blocks of batchSize: the files matched by
// `foreach.files` (with the content hashes the stage key was built from), or
// the records of an upstream dataset, kept as the bytes they were stored as.
// A block can name itself (blockIdentity) and each of its items
// (itemIdentity) without parsing anything: an unchanged block of a rerun is
// recognised from its bytes alone, and only the items of changed blocks are
// ever decoded.
import type { JsonRecord } from '../../api.js';
import type { ObjectStore } from '../../cache/object-store.js';
import type { DatasetRecord } from '../../cache/state.js';

export interface ItemBlock {
  /** Position of the block's first item in the stage's input. */
  firstIndex: number;
  count: number;
  /** What the block is: its items' identities, in order. */
  blockIdentity(): string | Uint8Array;
  /** What item `i` of the block is, for its cache key. */
  itemIdentity(i: number): string | Uint8Array;
  /** Item `i` as JSON text (as a worker receives it). */
  itemText(i: number): string;
  /** Item `i` parsed; throws a SyntaxError naming the dataset and line when it is not a record. */
  item(i: number): JsonRecord;
}

export interface ItemSource {
  blocks: AsyncIterable<ItemBlock>;
  total: number;
}

/** Files matched by `foreach.files`, with their content hashes. */
export function fileBlocks(files: readonly string[], hashes: readonly string[], size: number): ItemSource {
  return {
    total: files.length,
    blocks: (async function* () {
      for (let first = 0; first < files.length; first += size) {
        yield new FileBlock(files, hashes, first, Math.min(size, files.length - first));
      }
    })(),
  };
}

class FileBlock implements ItemBlock {
  readonly #files: readonly string[];
  readonly #hashes: readonly string[];
  readonly firstIndex: number;
  readonly count: number;

  constructor(files: readonly string[], hashes: readonly string[], first: number, count: number) {
    this.#files = files;
    this.#hashes = hashes;
    this.firstIndex = first;
    this.count = count;
  }

  blockIdentity(): string {
    let text = '';
    for (let i = 0; i < this.count; i++) text += `${this.itemIdentity(i)}\n`;
    return text;
  }

  itemIdentity(i: number): string {
    const at = this.firstIndex + i;
    return `${this.#files[at] ?? ''}\0${this.#hashes[at] ?? ''}`;
  }

  itemText(i: number): string {
    return JSON.stringify(this.item(i));
  }

  item(i: number): JsonRecord {
    const at = this.firstIndex + i;
    return { path: this.#files[at] ?? '', hash: this.#hashes[at] ?? '' };
  }
}

/**
 * The records of an upstream dataset in blocks of `size` lines. The blob is
 * verified as it streams: a corrupt one fails the read when its end is
 * reached, before the stage can finish with what it produced.
 */
export function recordBlocks(objects: ObjectStore, dataset: DatasetRecord, source: string, size: number): ItemSource {
  return {
    total: dataset.count,
    blocks: (async function* () {
      const stream = objects.openRead(dataset.hash);
      if (!stream) throw new Error(`${source}: its dataset ${dataset.hash.slice(0, 12)} is missing from the object store`);
      let carry: Buffer = Buffer.alloc(0);
      let ends: number[] = [];
      let firstIndex = 0;
      let blockStart = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        let from = ends.length > 0 ? (ends.at(-1) ?? 0) + 1 : blockStart;
        for (let newline = bytes.indexOf(10, from); newline !== -1; newline = bytes.indexOf(10, from)) {
          ends.push(newline);
          from = newline + 1;
          if (ends.length === size) {
            yield new RecordBlock(bytes.subarray(blockStart, from), ends, blockStart, firstIndex, source);
            firstIndex += ends.length;
            blockStart = from;
            ends = [];
          }
        }
        // Keep the block begun so far (and the line being cut) for the next chunk.
        carry = Buffer.from(bytes.subarray(blockStart));
        ends = ends.map((end) => end - blockStart);
        blockStart = 0;
      }
      if (carry.length > 0 && (ends.length === 0 || (ends.at(-1) ?? 0) < carry.length - 1)) ends.push(carry.length);
      if (ends.length > 0) yield new RecordBlock(carry, ends, 0, firstIndex, source);
    })(),
  };
}

class RecordBlock implements ItemBlock {
  readonly #bytes: Buffer;
  /** End (exclusive, the newline's position) of each line within #bytes. */
  readonly #ends: number[];
  readonly #source: string;
  readonly firstIndex: number;
  readonly count: number;

  constructor(bytes: Buffer, ends: number[], base: number, firstIndex: number, source: string) {
    // A copy: the stream's chunk is not ours to keep.
    this.#bytes = Buffer.from(bytes);
    this.#ends = base === 0 ? ends : ends.map((end) => end - base);
    this.#source = source;
    this.firstIndex = firstIndex;
    this.count = ends.length;
  }

  blockIdentity(): Uint8Array {
    return this.#bytes;
  }

  itemIdentity(i: number): Uint8Array {
    return this.#bytes.subarray(this.#start(i), this.#ends[i]);
  }

  itemText(i: number): string {
    return this.#bytes.toString('utf8', this.#start(i), this.#ends[i]);
  }

  item(i: number): JsonRecord {
    const text = this.itemText(i);
    const line = this.firstIndex + i + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(`${this.#source}:${line}: invalid JSON: ${(error as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError(`${this.#source}:${line}: is not a record (a JSON object)`);
    return value as JsonRecord;
  }

  #start(i: number): number {
    return i === 0 ? 0 : (this.#ends[i - 1] ?? 0) + 1;
  }
}
