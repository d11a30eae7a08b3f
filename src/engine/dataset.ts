// Record datasets: JSON lines stored in chunks (cache/dataset-chunks.ts),
// written as they come, so a stage never holds more than a chunk of its
// dataset in memory, and read back as a stream (dataset-reader.ts). A
// rerun's writer names the chunks it keeps from an older dataset
// (appendFrom) rather than copying them.
import type { JsonRecord } from '../api.js';
import { CHUNK_MAX, type ChunkReader, encodeChunkIndex, isNatural } from '../cache/dataset-chunks.js';
import type { Chunk } from '../cache/dataset-chunks.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { DatasetRecord } from '../cache/state.js';
import { messageOf } from '../util/errors.js';
import { recordJson, recordLines } from './record-json.js';

const NEWLINE = 10;
/** Characters of records write() collects before they go into the chunk buffer in one write. */
const PENDING_MAX = 64 * 1024;

/** What the lines being appended are known to be: decided line by line, or copied from a chunk. */
type Naturalness = { kind: 'decide' } | { kind: 'copied'; lastEnds: 'natural' | 'not' };
const DECIDE: Naturalness = { kind: 'decide' };
/** Copied lines whose last is not the copied chunk's last: no natural cut among them. */
const NOT_LAST: Naturalness = { kind: 'copied', lastEnds: 'not' };

export class DatasetWriter {
  readonly #objects: ObjectStore;
  readonly #isCompressed: boolean;
  readonly #chunks: Chunk[] = [];
  /** Bytes of the chunks written so far. */
  #sealedBytes = 0;
  #count = 0;
  /** The chunk being filled: #buffer[#chunkStart, #used), #lines lines. */
  #buffer = Buffer.allocUnsafe(CHUNK_MAX);
  #chunkStart = 0;
  #used = 0;
  #lines = 0;
  /** Where the line not yet ended starts (appends are whole lines, so mostly at #used). */
  #lineStart = 0;
  /**
   * Bytes of an older dataset appended but not yet placed: ranges that
   * follow on are joined first, so that a chunk split between two of them
   * is still named whole rather than read and copied.
   */
  #held: { old: ChunkReader; from: number; to: number } | undefined;
  /** Lines of records written one by one and not yet in #buffer (see write). */
  #pending = '';
  /** Records given to write(): the position a bad one is named by. */
  #written = 0;

  constructor(objects: ObjectStore, options: { compress?: boolean } = {}) {
    this.#objects = objects;
    this.#isCompressed = options.compress === true;
  }

  /** Where the next line starts in the (uncompressed) dataset. */
  get offset(): number {
    this.#flush();
    const held = this.#held ? this.#held.to - this.#held.from : 0;
    return this.#sealedBytes + this.#used - this.#chunkStart + held;
  }

  /**
   * Appends one record. Its line joins the ones before it and they go into
   * the chunk buffer together: a task yielding a million small records
   * pays for one buffer write per 64 KiB, not one per record.
   */
  write(record: JsonRecord, describe: () => string): void {
    this.#written++;
    try {
      this.#pending += recordLine(record, describe);
    } catch (error) {
      throw new TypeError(`${messageOf(error)} (its record ${this.#written}, counting from 1)`);
    }
    if (this.#pending.length >= PENDING_MAX) this.#flush();
  }

  /**
   * Appends records held together (a task's batch, kinds/task.ts): their
   * lines from one JSON.stringify (recordLines), or through write() one by
   * one where that cannot be, with the error that names the record.
   */
  writeRecords(records: readonly JsonRecord[], describe: () => string): void {
    const lines = recordLines(records);
    if (lines === undefined) {
      for (const record of records) this.write(record, describe);
      return;
    }
    this.#written += records.length;
    this.#pending += lines;
    if (this.#pending.length >= PENDING_MAX) this.#flush();
  }

  /** Appends records already serialized as JSON lines, each ending in a newline. */
  writeLines(text: string): void {
    this.#flush();
    this.#place();
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    this.#reserve(text.length * 3);
    const from = this.#used;
    this.#used += this.#buffer.write(text, this.#used);
    this.#cutLines(from, DECIDE);
  }

  /** Appends records as the bytes of their JSON lines (copied: the caller may reuse them). */
  writeBytes(bytes: Uint8Array): void {
    this.#flush();
    this.#place();
    this.#appendBytes(bytes, DECIDE);
  }

  /**
   * Appends the bytes [from, to) of an older dataset (whole lines): a chunk
   * of it that lies inside the range and would start a chunk here too is
   * named, not copied; the rest is copied from its verified chunks.
   */
  appendFrom(old: ChunkReader, from: number, to: number): void {
    this.#flush();
    if (this.#held?.old === old && this.#held.to === from) {
      this.#held.to = to;
      return;
    }
    this.#place();
    this.#held = { old, from, to };
  }

  /** Places the held range of an older dataset (see #held). */
  #place(): void {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    const { old, to } = held;
    for (let at = held.from; at < to; ) {
      const i = old.list.find(at);
      const chunk = old.list.chunks[i] as Chunk;
      const start = old.list.startOf(i);
      const end = start + chunk.bytes;
      const isWhole = at === start && end <= to && chunk.cut !== 'end' && chunk.cut !== 'unknown';
      if (isWhole && this.#used === this.#chunkStart) {
        this.#chunks.push(chunk);
        this.#sealedBytes += chunk.bytes;
        this.#count += chunk.records;
        at = end;
        continue;
      }
      const bytes = old.chunk(i);
      const stop = Math.min(end, to);
      const slice = bytes.subarray(at - start, stop - start);
      if (chunk.cut === 'unknown') this.#appendBytes(slice, DECIDE);
      else
        this.#appendBytes(slice, {
          kind: 'copied',
          lastEnds: stop === end && chunk.cut === 'natural' ? 'natural' : 'not',
        });
      at = stop;
    }
  }

  async finish(): Promise<DatasetRecord> {
    this.#flush();
    this.#place();
    if (this.#used > this.#chunkStart) this.#seal(this.#used, 'end');
    const hash = this.#objects.putSound(encodeChunkIndex(this.#chunks));
    return { hash, count: this.#count };
  }

  /** Drops the dataset; the chunks already stored are left to `cache prune`. */
  abort(): void {
    this.#pending = '';
    this.#held = undefined;
    this.#used = this.#chunkStart;
    this.#lineStart = this.#used;
  }

  /** The records write() holds, into the buffer. */
  #flush(): void {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.writeLines(text);
  }

  #appendBytes(bytes: Uint8Array, naturalness: Naturalness): void {
    // Many bytes at once (a long input list) go in a chunk's worth at a
    // time, so the buffer holds about two chunks, not all of them: the
    // cuts come where they would, a line's end being found in any piece.
    if (bytes.length > CHUNK_MAX) {
      for (let at = 0; at < bytes.length; at += CHUNK_MAX) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + CHUNK_MAX));
        const isLastPiece = at + CHUNK_MAX >= bytes.length;
        this.#appendBytes(piece, naturalness.kind === 'copied' && !isLastPiece ? NOT_LAST : naturalness);
      }
      return;
    }
    this.#reserve(bytes.length);
    const from = this.#used;
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    this.#cutLines(from, naturalness);
  }

  /** Goes over the lines appended at [from, #used), cutting a chunk after each line that ends one. */
  #cutLines(from: number, naturalness: Naturalness): void {
    // Searched within the bytes appended: past #used the buffer holds whatever was there before.
    const buffer = this.#buffer.subarray(0, this.#used);
    let lineStart = this.#lineStart;
    for (let newline = buffer.indexOf(NEWLINE, from); newline !== -1 && newline < this.#used; ) {
      this.#lines++;
      this.#count++;
      const next = buffer.indexOf(NEWLINE, newline + 1);
      const isLast = next === -1 || next >= this.#used;
      const natural =
        naturalness.kind === 'decide'
          ? isNatural(buffer, lineStart, newline)
          : isLast && naturalness.lastEnds === 'natural';
      if (natural) this.#seal(newline + 1, 'natural');
      else if (newline + 1 - this.#chunkStart >= CHUNK_MAX) this.#seal(newline + 1, 'forced');
      lineStart = newline + 1;
      newline = next;
    }
    this.#lineStart = lineStart;
    // Keep the chunk begun so far at the front, so the buffer does not grow with the dataset.
    if (this.#chunkStart > 0) {
      this.#buffer.copyWithin(0, this.#chunkStart, this.#used);
      this.#used -= this.#chunkStart;
      this.#lineStart -= this.#chunkStart;
      this.#chunkStart = 0;
    }
  }

  /** Stores the chunk #buffer[#chunkStart, end). */
  #seal(end: number, cut: Chunk['cut']): void {
    const bytes = this.#buffer.subarray(this.#chunkStart, end);
    const hash = this.#objects.putSound(bytes, { compress: this.#isCompressed });
    this.#chunks.push({ hash, bytes: bytes.length, records: this.#lines, cut });
    this.#sealedBytes += bytes.length;
    this.#chunkStart = end;
    this.#lines = 0;
  }

  /** Room for `bytes` more bytes after #used. */
  #reserve(bytes: number): void {
    if (this.#used + bytes <= this.#buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#used + bytes));
    this.#buffer.copy(next, 0, 0, this.#used);
    this.#buffer = next;
  }
}

/** A record as one JSON line (with its newline); a TypeError naming `describe()` when it is not a JSON object. */
export function recordLine(record: unknown, describe: () => string): string {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(
      `${describe()} produced ${record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record}, not a record (a JSON object)`,
    );
  }
  try {
    return `${recordJson(record)}\n`;
  } catch (error) {
    throw new TypeError(`${describe()} produced a record that is not JSON: ${messageOf(error)}`);
  }
}
