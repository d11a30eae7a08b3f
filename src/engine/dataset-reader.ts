// Reading record datasets (written by DatasetWriter, dataset.ts): streamed
// in blocks of lines, verified before the first record is handed out.
import type { JsonRecord } from '../api.js';
import { CorruptObjectError } from '../cache/object-store.js';
import type { ObjectProblem, ObjectStore } from '../cache/object-store.js';
import type { DatasetRecord } from '../cache/state.js';
import { messageOf } from '../util/errors.js';

/** Records read per block: the lines of a block are parsed in one JSON.parse. */
const READ_BLOCK = 1024;

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

/** The records of stage `producer`'s dataset, streamed (see readDatasetBlocks). */
export async function* readDataset(
  objects: ObjectStore,
  dataset: DatasetRecord,
  producer: string,
): AsyncGenerator<JsonRecord> {
  for await (const block of readDatasetBlocks(objects, dataset, producer, READ_BLOCK)) yield* block.records();
}

/**
 * The records of stage `producer`'s dataset in blocks of `size` lines, as
 * the bytes they were stored as. The blob is verified before its first
 * record is handed out (unless this run wrote or verified it already), and
 * again as it streams; a blob gone or corrupt (then removed) is a LostRecordsError.
 */
export async function* readDatasetBlocks(
  objects: ObjectStore,
  dataset: DatasetRecord,
  producer: string,
  size: number,
): AsyncGenerator<RecordBlock> {
  const problem = await objects.verifyBeforeRead(dataset.hash);
  const stream = problem ? undefined : objects.openRead(dataset.hash);
  if (!stream) throw new LostRecordsError(producer, problem?.kind ?? 'missing');
  try {
    yield* splitBlocks(stream, `records of ${producer}`, size);
  } catch (error) {
    // Changed under the reader since it was verified.
    if (error instanceof CorruptObjectError) throw new LostRecordsError(producer, 'corrupt');
    throw error;
  }
}

async function* splitBlocks(stream: AsyncIterable<Buffer>, source: string, size: number): AsyncGenerator<RecordBlock> {
  let carry: Buffer = Buffer.alloc(0);
  let ends: number[] = [];
  let firstIndex = 0;
  let blockStart = 0;
  for await (const chunk of stream) {
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
    carry = bytes.subarray(blockStart);
    ends = ends.map((end) => end - blockStart);
    blockStart = 0;
  }
  if (carry.length > 0 && (ends.length === 0 || (ends.at(-1) ?? 0) < carry.length - 1)) ends.push(carry.length);
  if (ends.length > 0) yield new RecordBlock(carry, ends, 0, firstIndex, source);
}

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A block of records (see ItemBlock in map/item-source.ts). */
export class RecordBlock {
  readonly #bytes: Buffer;
  /** End (exclusive, the newline's position) of each line within #bytes. */
  readonly #ends: number[];
  readonly #source: string;
  readonly firstIndex: number;
  readonly count: number;

  constructor(bytes: Buffer, ends: number[], base: number, firstIndex: number, source: string) {
    // A view, not a copy: a read stream hands out a new buffer per chunk
    // and never writes to it again.
    this.#bytes = bytes;
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

  /**
   * Every record of the block: its lines are one JSON array once each
   * newline becomes a comma (JSON text has no raw newlines), so V8 parses
   * them in one call; a block that does not parse is read line by line,
   * for the error that names the line.
   */
  records(): JsonRecord[] {
    let text = this.#bytes.toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(`[${text.replaceAll('\n', ',')}]`);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.length === this.count && parsed.every(isRecord)) return parsed as JsonRecord[];
    return Array.from({ length: this.count }, (_, i) => this.item(i));
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
