// Record datasets: JSONL blobs in the object store, written and read as
// streams, so a stage never holds a whole dataset in memory.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import type { JsonRecord } from '../api.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { DatasetRecord } from '../cache/state.js';
import { LineSplitter, parseJsonLine } from '../perf/jsonl.js';
import { zlib } from '../util/builtins.js';

const FLUSH_BYTES = 64 * 1024;
const CHUNK_BYTES = 256 * 1024;

export class DatasetWriter {
  readonly #objects: ObjectStore;
  readonly #temp: string;
  readonly #out: NodeJS.WritableStream;
  readonly #file: fs.WriteStream;
  readonly #digest = createHash('sha256');
  readonly #isCompressed: boolean;
  #count = 0;
  /** Bytes not yet written: records are small, so they are written (and hashed) 64 KiB at a time. */
  #pending = Buffer.allocUnsafe(FLUSH_BYTES);
  #used = 0;
  /** Bytes of the dataset so far (uncompressed): where the next line starts. */
  #offset = 0;

  constructor(objects: ObjectStore, options: { compress?: boolean } = {}) {
    this.#objects = objects;
    this.#temp = objects.tempPath();
    this.#isCompressed = options.compress === true;
    this.#file = fs.createWriteStream(this.#temp);
    if (this.#isCompressed) {
      const gzip = zlib().createGzip();
      gzip.pipe(this.#file);
      this.#out = gzip;
    } else {
      this.#out = this.#file;
    }
  }

  get count(): number {
    return this.#count;
  }

  /** Where the next line starts in the (uncompressed) dataset. */
  get offset(): number {
    return this.#offset;
  }

  /** Appends one record; waits when the file is behind (backpressure). */
  async write(record: JsonRecord, describe: () => string): Promise<void> {
    await this.writeLines(recordLine(record, describe), 1);
  }

  /** Appends a record already serialized as one JSON object (by a worker, say). */
  async writeLine(json: string): Promise<void> {
    await this.writeLines(`${json}\n`, 1);
  }

  /** Appends `count` records already serialized as JSON lines, each ending in a newline. */
  async writeLines(text: string, count: number): Promise<void> {
    this.#count += count;
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (text.length * 3 > FLUSH_BYTES - this.#used) {
      await this.#flush();
      if (text.length * 3 > FLUSH_BYTES) {
        const bytes = Buffer.from(text);
        this.#offset += bytes.length;
        await this.#send(bytes);
        return;
      }
    }
    const written = this.#pending.write(text, this.#used);
    this.#used += written;
    this.#offset += written;
  }

  /** Appends `count` records as the bytes of their JSON lines (copied: the caller may reuse them). */
  async writeBytes(bytes: Uint8Array, count: number): Promise<void> {
    this.#count += count;
    if (bytes.length > FLUSH_BYTES - this.#used) {
      await this.#flush();
      if (bytes.length > FLUSH_BYTES) {
        this.#offset += bytes.length;
        await this.#send(Buffer.from(bytes));
        return;
      }
    }
    this.#pending.set(bytes, this.#used);
    this.#used += bytes.length;
    this.#offset += bytes.length;
  }

  async #flush(): Promise<void> {
    if (this.#used === 0) return;
    const chunk = this.#pending.subarray(0, this.#used);
    this.#pending = Buffer.allocUnsafe(FLUSH_BYTES);
    this.#used = 0;
    await this.#send(chunk);
  }

  /** Hashes and writes bytes already counted in #offset. */
  async #send(chunk: Buffer): Promise<void> {
    this.#digest.update(chunk);
    if (!this.#out.write(chunk)) await once(this.#out, 'drain');
  }

  async finish(): Promise<DatasetRecord> {
    await this.#flush();
    this.#out.end();
    if (this.#file.closed !== true) await once(this.#file, 'close');
    const hash = this.#digest.digest('hex');
    this.#objects.adopt(this.#temp, hash, this.#isCompressed);
    return { hash, count: this.#count };
  }

  /** Drops the half-written dataset; writes still in flight fail quietly. */
  abort(): void {
    const ignore = (): void => {};
    this.#out.on('error', ignore);
    this.#file.on('error', ignore);
    this.#file.destroy();
    fs.rmSync(this.#temp, { force: true });
  }
}

/** A record as one JSON line (with its newline); a TypeError naming `describe()` when it is not a JSON object. */
export function recordLine(record: unknown, describe: () => string): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(`${describe()} produced ${Array.isArray(record) ? 'an array' : typeof record}, not a record (a JSON object)`);
  }
  try {
    return `${JSON.stringify(record)}\n`;
  } catch (error) {
    throw new TypeError(`${describe()} produced a record that is not JSON: ${(error as Error).message}`);
  }
}

/** The records of a dataset, streamed; `source` names it in errors. */
export async function* readDataset(objects: ObjectStore, dataset: DatasetRecord, source: string): AsyncGenerator<JsonRecord> {
  for await (const { record } of readDatasetLines(objects, dataset, source)) yield record;
}

/** Records with their JSON text as stored: the text identifies a record without serialising it again. */
/**
 * Records with their JSON text as stored: the text identifies a record
 * without serialising it again. With `isParsed: false` only the text comes
 * (each line is still checked to be a JSON object by its first character).
 */
export function readDatasetLines(objects: ObjectStore, dataset: DatasetRecord, source: string): AsyncGenerator<{ record: JsonRecord; text: string }>;
export function readDatasetLines(
  objects: ObjectStore,
  dataset: DatasetRecord,
  source: string,
  options: { isParsed: boolean },
): AsyncGenerator<{ record?: JsonRecord; text: string }>;
export async function* readDatasetLines(
  objects: ObjectStore,
  dataset: DatasetRecord,
  source: string,
  options: { isParsed: boolean } = { isParsed: true },
): AsyncGenerator<{ record?: JsonRecord; text: string }> {
  const stream = objects.openRead(dataset.hash);
  if (!stream) throw new Error(`${source}: its dataset ${dataset.hash.slice(0, 12)} is missing from the object store`);
  const splitter = new LineSplitter(CHUNK_BYTES);
  const toRecord = (raw: { text: string; line: number }): { record?: JsonRecord; text: string } => {
    if (!options.isParsed) {
      if (!raw.text.trimStart().startsWith('{')) throw new SyntaxError(`${source}:${raw.line}: is not a record (a JSON object)`);
      return { text: raw.text };
    }
    const parsed = parseJsonLine(raw, source);
    if (!parsed.ok) throw parsed.error;
    const value = parsed.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError(`${source}:${raw.line}: is not a record (a JSON object)`);
    return { record: value as JsonRecord, text: raw.text };
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (const raw of splitter.write(chunk)) yield toRecord(raw);
  }
  for (const raw of splitter.end()) yield toRecord(raw);
}
