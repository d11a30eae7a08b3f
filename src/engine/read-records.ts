// ctx.upstream(): a stage's records, read a chunk at a time and parsed a
// piece of lines at a time (dataset-reader.ts has the chunks, their checks
// and the parsing). Handed out by a plain async iterator, one settled
// promise a record: an async generator's own machinery (a queue of
// requests, two promise ticks a record, more again for `yield*` over an
// array) cost 0.2 to 0.45 µs a record, a third of reading 100,000 small
// records, where this costs 0.1 µs.
import type { JsonRecord } from '../api.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { ChunkList } from '../cache/dataset-chunks.js';
import type { DatasetRecord } from '../cache/state.js';
import { blockOf, parseLines, readChunk, readDatasetBlocks, soundChunks } from './dataset-reader.js';

/** Records read per block: the lines of a block are parsed in one JSON.parse. */
const READ_BLOCK = 1024;
/**
 * And at most this many bytes per parse (one line at least): V8 puts a
 * string over 128 KB in large-object space, where building and parsing
 * 1,024 lines of simtask's 1.4 KB embed records took 200 ms per 29 MB
 * against 38 ms in pieces of 64 KB (small records: 25 ms either way).
 */
const READ_BYTES = 64 * 1024;

/**
 * The records of stage `producer`'s dataset. Every chunk is checked before
 * the first record is handed out (see soundChunks), and verified as it is
 * read; a chunk lost since is a LostRecordsError from the iterator.
 */
export function readDataset(
  objects: ObjectStore,
  dataset: DatasetRecord,
  producer: string,
): AsyncIterableIterator<JsonRecord> {
  return new RecordIterator(objects, dataset, producer);
}

class RecordIterator implements AsyncIterableIterator<JsonRecord> {
  readonly #objects: ObjectStore;
  readonly #dataset: DatasetRecord;
  readonly #producer: string;
  /** The piece of records parsed last, and the next one to hand out. */
  #records: JsonRecord[] = [];
  #at = 0;
  #started: Promise<void> | undefined;
  /** The pieces still to parse; undefined once done (or returned early). */
  #pieces: Iterator<JsonRecord[]> | undefined;
  /** A dataset stored whole, before chunking: read through its blocks instead. */
  #whole: AsyncGenerator<JsonRecord> | undefined;

  constructor(objects: ObjectStore, dataset: DatasetRecord, producer: string) {
    this.#objects = objects;
    this.#dataset = dataset;
    this.#producer = producer;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<JsonRecord> {
    return this;
  }

  next(): Promise<IteratorResult<JsonRecord>> {
    if (this.#at < this.#records.length) return Promise.resolve({ value: this.#records[this.#at++] as JsonRecord });
    return this.#nextPiece();
  }

  return(): Promise<IteratorResult<JsonRecord>> {
    this.#pieces = undefined;
    this.#records = [];
    void this.#whole?.return(undefined);
    this.#whole = undefined;
    return Promise.resolve({ done: true, value: undefined });
  }

  async #nextPiece(): Promise<IteratorResult<JsonRecord>> {
    this.#started ??= this.#start();
    await this.#started;
    if (this.#whole) return this.#whole.next();
    for (let piece = this.#pieces?.next(); piece && !piece.done; piece = this.#pieces?.next()) {
      if (piece.value.length === 0) continue;
      this.#records = piece.value;
      this.#at = 1;
      return { value: piece.value[0] as JsonRecord };
    }
    this.#pieces = undefined;
    this.#records = [];
    return { done: true, value: undefined };
  }

  async #start(): Promise<void> {
    const chunks = await soundChunks(this.#objects, this.#dataset, this.#producer);
    if (chunks.chunks.some((chunk) => chunk.cut === 'unknown')) this.#whole = this.#wholeRecords();
    else this.#pieces = pieces(this.#objects, chunks, this.#producer);
  }

  async *#wholeRecords(): AsyncGenerator<JsonRecord> {
    for await (const block of readDatasetBlocks(this.#objects, this.#dataset, this.#producer, READ_BLOCK))
      for (const record of block.records()) yield record;
  }
}

/**
 * The records of `chunks` a piece of lines at a time: up to READ_BLOCK
 * lines, READ_BYTES bytes, parsed in one JSON.parse (a chunk parsed whole
 * cost more, in garbage collection, than it saved).
 */
function* pieces(objects: ObjectStore, chunks: ChunkList, producer: string): Generator<JsonRecord[]> {
  let firstIndex = 0;
  for (const { hash, records } of chunks.chunks) {
    const data = readChunk(objects, hash, producer);
    for (let from = 0, left = records; left > 0; ) {
      const { to, count } = pieceEnd(data, from, left);
      const piece = data.subarray(from, to);
      yield parseLines(piece, count) ?? blockOf(piece, firstIndex, `records of ${producer}`).records();
      firstIndex += count;
      left -= count;
      from = to;
    }
  }
}

/** The end of the piece of lines from `from`: up to READ_BLOCK lines, READ_BYTES bytes (one line at least), `left` lines. */
function pieceEnd(data: Buffer, from: number, left: number): { to: number; count: number } {
  let to = from;
  let count = 0;
  while (count < left && count < READ_BLOCK) {
    const newline = data.indexOf(10, to);
    const next = newline < 0 || count + 1 === left ? data.length : newline + 1;
    if (count > 0 && next - from > READ_BYTES) break;
    to = next;
    count++;
  }
  return { to, count };
}
