// Record datasets: JSONL blobs in the object store, written as a stream
// (and read as one, dataset-reader.ts), so a stage never holds a whole
// dataset in memory.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import type { JsonRecord } from '../api.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { DatasetRecord } from '../cache/state.js';
import { zlib } from '../util/builtins.js';
import { messageOf } from '../util/errors.js';

const FLUSH_BYTES = 64 * 1024;

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

  // The write methods return a promise only when the file is behind
  // (backpressure): a caller writing a million small records awaits only
  // then, not once per record.

  /** Appends one record. */
  write(record: JsonRecord, describe: () => string): Promise<void> | undefined {
    return this.writeLines(recordLine(record, describe), 1);
  }

  /** Appends a record already serialized as one JSON object (by a worker, say). */
  writeLine(json: string): Promise<void> | undefined {
    return this.writeLines(`${json}\n`, 1);
  }

  /** Appends `count` records already serialized as JSON lines, each ending in a newline. */
  writeLines(text: string, count: number): Promise<void> | undefined {
    this.#count += count;
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (text.length * 3 > FLUSH_BYTES - this.#used) {
      const behind = this.#flush();
      if (text.length * 3 > FLUSH_BYTES) {
        const bytes = Buffer.from(text);
        this.#offset += bytes.length;
        return both(behind, this.#send(bytes));
      }
      const written = this.#pending.write(text, this.#used);
      this.#used += written;
      this.#offset += written;
      return behind;
    }
    const written = this.#pending.write(text, this.#used);
    this.#used += written;
    this.#offset += written;
    return undefined;
  }

  /** Appends `count` records as the bytes of their JSON lines (copied: the caller may reuse them). */
  writeBytes(bytes: Uint8Array, count: number): Promise<void> | undefined {
    this.#count += count;
    let behind: Promise<void> | undefined;
    if (bytes.length > FLUSH_BYTES - this.#used) {
      behind = this.#flush();
      if (bytes.length > FLUSH_BYTES) {
        this.#offset += bytes.length;
        return both(behind, this.#send(Buffer.from(bytes)));
      }
    }
    this.#pending.set(bytes, this.#used);
    this.#used += bytes.length;
    this.#offset += bytes.length;
    return behind;
  }

  #flush(): Promise<void> | undefined {
    if (this.#used === 0) return undefined;
    const chunk = this.#pending.subarray(0, this.#used);
    this.#pending = Buffer.allocUnsafe(FLUSH_BYTES);
    this.#used = 0;
    return this.#send(chunk);
  }

  /** Hashes and writes bytes already counted in #offset. */
  #send(chunk: Buffer): Promise<void> | undefined {
    this.#digest.update(chunk);
    return this.#out.write(chunk) ? undefined : once(this.#out, 'drain').then(() => undefined);
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

/** Both waits, when there are any. */
function both(a: Promise<void> | undefined, b: Promise<void> | undefined): Promise<void> | undefined {
  if (!a) return b;
  if (!b) return a;
  return Promise.all([a, b]).then(() => undefined);
}

/** A record as one JSON line (with its newline); a TypeError naming `describe()` when it is not a JSON object. */
export function recordLine(record: unknown, describe: () => string): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(
      `${describe()} produced ${Array.isArray(record) ? 'an array' : typeof record}, not a record (a JSON object)`,
    );
  }
  try {
    return `${JSON.stringify(record)}\n`;
  } catch (error) {
    throw new TypeError(`${describe()} produced a record that is not JSON: ${messageOf(error)}`);
  }
}
