// Reading record datasets (written by DatasetWriter, dataset.ts): streamed
// in blocks of lines, verified before the first record is handed out.
import type { JsonRecord } from '../api.js';
import { CorruptObjectError } from '../cache/object-problem.js';
import type { ObjectProblem } from '../cache/object-problem.js';
import type { ObjectStore } from '../cache/object-store.js';
import { ChunkList, datasetChunks } from '../cache/dataset-chunks.js';
import type { DatasetRecord } from '../cache/state.js';
import { messageOf } from '../util/errors.js';

const NEWLINE = 10;

/** A chunk of a dataset as a map stage reads it: its items are [firstIndex, firstIndex + records). */
export interface ChunkSpan {
  /** What names the chunk among a map stage's blocks: `chunk\0<hash>`. */
  identity: string;
  firstIndex: number;
  records: number;
}

/** The records of a stage that cannot be read: gone from the object store, or corrupt there (and removed). */
export class LostRecordsError extends Error {
  /** The stage whose records they are. */
  readonly stage: string;
  readonly problem: ObjectProblem['kind'];
  constructor(stage: string, problem: ObjectProblem['kind']) {
    super(`records of ${stage}: ${problem === 'missing' ? 'not in the object store' : 'corrupt (removed)'}`);
    this.name = 'LostRecordsError';
    this.stage = stage;
    this.problem = problem;
  }
}

/** A dataset's chunks once every one is here and, when its stat changed since it was written or verified, sound. */
export async function soundChunks(objects: ObjectStore, dataset: DatasetRecord, producer: string): Promise<ChunkList> {
  const chunks = datasetChunks(objects, dataset.hash);
  if (!(chunks instanceof ChunkList)) throw new LostRecordsError(producer, chunks.kind);
  // Each chunk is verified as it is read; before the first record, those
  // whose stat changed since this workspace wrote or verified them are read
  // in full, so that damage found on disk fails the reader before it has
  // seen a record.
  for (const { hash } of chunks.chunks) {
    const problem = await objects.problemOf(hash);
    if (problem) throw new LostRecordsError(producer, problem.kind);
  }
  return chunks;
}

/**
 * The records of stage `producer`'s dataset in blocks of `size` lines, as
 * the bytes they were stored as, each chunk verified as it is read; a chunk
 * gone or corrupt (then removed) is a LostRecordsError.
 */
export async function* readDatasetBlocks(
  objects: ObjectStore,
  dataset: DatasetRecord,
  producer: string,
  size: number,
): AsyncGenerator<RecordBlock> {
  const chunks = await soundChunks(objects, dataset, producer);
  try {
    yield* splitBlocks(chunkBytes(objects, chunks, producer), `records of ${producer}`, size);
  } catch (error) {
    // Changed under the reader since it was verified.
    if (error instanceof CorruptObjectError) throw new LostRecordsError(producer, 'corrupt');
    throw error;
  }
}

/** The bytes of the chunks one after another, each verified as it is read. */
async function* chunkBytes(objects: ObjectStore, chunks: ChunkList, producer: string): AsyncGenerator<Buffer> {
  for (const { hash, cut } of chunks.chunks) {
    if (cut === 'unknown') {
      // A dataset stored whole, before chunking: streamed, not read into memory.
      const stream = objects.openRead(hash);
      if (!stream) throw new LostRecordsError(producer, 'missing');
      for await (const data of stream) yield data as Buffer;
      continue;
    }
    yield readChunk(objects, hash, producer);
  }
}

/** A chunk of stage `producer`'s records, read whole and verified; gone or corrupt (then removed), a LostRecordsError. */
export function readChunk(objects: ObjectStore, hash: string, producer: string): Buffer {
  const data = objects.readVerified(hash);
  if (!Buffer.isBuffer(data)) throw new LostRecordsError(producer, data.kind);
  return data;
}

async function* splitBlocks(stream: AsyncIterable<Buffer>, source: string, size: number): AsyncGenerator<RecordBlock> {
  const blocks = new BlockBuilder(source);
  for await (const bytes of stream) yield* blocks.add(bytes, size);
  const last = blocks.take();
  if (last) yield last;
}

/**
 * Blocks of `size` lines out of pieces of a dataset read one after another
 * (stream reads, or chunks: a block may span them). A block's pieces are
 * joined once, when it is complete: joined at every piece, a block of large
 * records would be copied once per piece.
 */
export class BlockBuilder {
  readonly #source: string;
  #pieces: Buffer[] = [];
  #spans: ChunkSpan[] = [];
  #lines = 0;
  #firstIndex = 0;

  constructor(source: string) {
    this.#source = source;
  }

  /** The blocks completed by `bytes`; `span`: the chunk they are (whole lines), for blocks to name. */
  *add(bytes: Buffer, size: number, span?: ChunkSpan): Generator<RecordBlock> {
    if (span) this.#spans.push(span);
    let from = 0;
    for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, newline + 1)) {
      if (++this.#lines < size) continue;
      this.#pieces.push(bytes.subarray(from, newline + 1));
      from = newline + 1;
      yield this.take() as RecordBlock;
      // The rest of the chunk goes on in the next block.
      if (span && from < bytes.length) this.#spans.push(span);
    }
    if (from < bytes.length) this.#pieces.push(bytes.subarray(from));
  }

  /** The block begun so far (its last line may lack its newline), if any. */
  take(): RecordBlock | undefined {
    if (this.#pieces.length === 0) return undefined;
    const bytes = this.#pieces.length === 1 ? (this.#pieces[0] as Buffer) : Buffer.concat(this.#pieces);
    // Counted first, so the ends fill memory of their own, outside the JavaScript heap.
    let lines = bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? 1 : 0;
    for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, newline + 1)) lines++;
    const ends = new Uint32Array(lines);
    let n = 0;
    for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, newline + 1))
      ends[n++] = newline;
    if (n < lines) ends[n] = bytes.length;
    const block = new RecordBlock(bytes, ends, this.#firstIndex, this.#source);
    if (this.#spans.length > 0) block.spans = this.#spans;
    this.#firstIndex += block.count;
    this.#pieces = [];
    this.#spans = [];
    this.#lines = 0;
    return block;
  }

  /** The next block starts at item `index` (the items before it were not read). */
  skipTo(index: number): void {
    this.#firstIndex = index;
  }
}

/**
 * `count` JSON lines as records: the lines are one JSON array once each
 * newline becomes a comma (JSON text has no raw newlines), so V8 parses
 * them in one call. Undefined when they are not `count` records (then
 * read line by line, for the error that names the line).
 */
export function parseLines(bytes: Buffer, count: number): JsonRecord[] | undefined {
  let text = bytes.toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(`[${text.replaceAll('\n', ',')}]`);
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) && parsed.length === count && parsed.every(isRecord) ? parsed : undefined;
}

/** The lines of `bytes` as one block whose first item is `firstIndex`. */
export function blockOf(bytes: Buffer, firstIndex: number, source: string): RecordBlock {
  const builder = new BlockBuilder(source);
  builder.skipTo(firstIndex);
  builder.add(bytes, Number.POSITIVE_INFINITY).next();
  // No bytes, no lines: a block of none.
  return builder.take() ?? new RecordBlock(bytes, new Uint32Array(0), firstIndex, source);
}

/** Whether `bytes` end in a newline (their last line is ended). */
export function isLineEnded(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE;
}

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A block of records (see ItemBlock in map/item-source.ts). */
export class RecordBlock {
  readonly #bytes: Buffer;
  /** End (exclusive, the newline's position) of each line within #bytes. */
  readonly #ends: Uint32Array;
  readonly #source: string;
  readonly firstIndex: number;
  readonly count: number;
  /** The chunks its lines lie in, when read chunk by chunk for a map stage (map/item-source.ts). */
  spans?: readonly ChunkSpan[];

  constructor(bytes: Buffer, ends: Uint32Array, firstIndex: number, source: string) {
    // A view, not a copy: a read stream hands out a new buffer per chunk
    // and never writes to it again.
    this.#bytes = bytes;
    this.#ends = ends;
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

  /** The block's lines, each ending in a newline, as UTF-8: a copy in memory from `memory` (see ItemBlock.lines). */
  lines(memory: (size: number) => Uint8Array = Buffer.allocUnsafeSlow): Uint8Array {
    const bytes = this.#bytes;
    const isEnded = isLineEnded(bytes);
    const lines = memory(bytes.length + (isEnded ? 0 : 1));
    lines.set(bytes);
    if (!isEnded) lines[bytes.length] = NEWLINE;
    return lines;
  }

  /** Every record of the block (see parseLines). */
  records(): JsonRecord[] {
    return parseLines(this.#bytes, this.count) ?? Array.from({ length: this.count }, (_, i) => this.item(i));
  }

  item(i: number): JsonRecord {
    const text = this.itemText(i);
    const line = this.firstIndex + i + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(`${this.#source}:${line}: invalid JSON: ${messageOf(error)}`);
    }
    if (!isRecord(value)) throw new SyntaxError(`${this.#source}:${line}: is not a record (a JSON object)`);
    return value;
  }

  #start(i: number): number {
    return i === 0 ? 0 : (this.#ends[i - 1] ?? 0) + 1;
  }
}
