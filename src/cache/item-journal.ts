// The item journal of a map stage run: every batch of items the run
// computes is appended to .runner/items/<stage>/<scope>.journal as one
// checksummed frame before the run goes on, so a run that is interrupted,
// killed or fails keeps what it computed. The next run under the same scope
// reads the journal back (a frame cut short by a crash, or whose checksum
// fails, ends it there) and reuses those items; a run that finishes writes
// them into its item manifest and removes the journal.
//
// Frame: u32 payload bytes | u32 items | 32-byte sha256 of the payload |
// payload. Per item in the payload: key (KEY_BYTES) | u32 records | u32
// output bytes | u32 raw bytes (NO_RAW: none) | output lines | raw result.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { copyKey, KEY_BYTES } from './item-keys.js';
import { NO_RAW } from './item-manifest.js';
import { diskError } from '../util/errors.js';

const CHECKSUM_BYTES = 32;
const FRAME_HEADER = 8 + CHECKSUM_BYTES;
const ITEM_HEADER = KEY_BYTES + 12;
/** Read-ahead of entries read in journal order: the first read ahead, and the most. */
const AHEAD_MIN = 16 * 1024;
const AHEAD_MAX = 1024 * 1024;
/** A read that starts at most this far past the last one's end goes on in journal order. */
const AHEAD_SLACK = 4096;

export interface JournalItem {
  /** The item key: KEY_BYTES of `keys` from `keyOffset`. */
  keys: Buffer;
  keyOffset: number;
  /** Its output lines, each ending in a newline, as UTF-8. */
  out: Uint8Array;
  count: number;
  /** Its raw result as JSON, text or UTF-8. */
  raw?: Uint8Array | string;
}

export class ItemJournal {
  readonly file: string;
  #fd: number | undefined;
  #size = 0;
  #entries = 0;
  #keys = Buffer.allocUnsafe(KEY_BYTES * 256);
  #outOffsets = new Float64Array(256);
  #outLengths = new Uint32Array(256);
  #outCounts = new Uint32Array(256);
  #rawOffsets = new Float64Array(256);
  #rawLengths = new Uint32Array(256);
  /** Bytes of frames dropped when it was opened (a torn or corrupt tail). */
  readonly droppedBytes: number = 0;
  /** Bytes read ahead of the entries asked for (see #read), from file offset #windowAt. */
  #window: Buffer | undefined;
  #windowAt = 0;
  #ahead = 0;
  /** Where the last read ended. */
  #lastEnd = -1;

  /** Opens (or creates, on first append) the journal, reading back the frames that are whole and sound. */
  constructor(file: string) {
    this.file = file;
    let fd: number;
    try {
      fd = fs.openSync(file, 'r+');
    } catch {
      return;
    }
    this.#fd = fd;
    const total = fs.fstatSync(fd).size;
    const header = Buffer.allocUnsafe(FRAME_HEADER);
    let at = 0;
    while (at + FRAME_HEADER <= total) {
      fs.readSync(fd, header, 0, FRAME_HEADER, at);
      const length = header.readUInt32LE(0);
      const items = header.readUInt32LE(4);
      if (at + FRAME_HEADER + length > total) break;
      const payload = Buffer.allocUnsafe(length);
      fs.readSync(fd, payload, 0, length, at + FRAME_HEADER);
      if (!createHash('sha256').update(payload).digest().equals(header.subarray(8, FRAME_HEADER))) break;
      if (!this.#index(payload, items, at + FRAME_HEADER)) break;
      at += FRAME_HEADER + length;
    }
    this.#size = at;
    if (at < total) {
      this.droppedBytes = total - at;
      fs.ftruncateSync(fd, at);
    }
  }

  /** The entries read back when it was opened (not those appended since). */
  get entries(): number {
    return this.#entries;
  }

  get keys(): Buffer {
    return this.#keys;
  }

  /** Appends one frame of computed items: one buffer, one write. */
  append(items: readonly JournalItem[]): void {
    if (items.length === 0) return;
    let length = 0;
    const rawBytes = new Uint32Array(items.length);
    items.forEach((item, n) => {
      rawBytes[n] =
        item.raw === undefined ? 0 : typeof item.raw === 'string' ? Buffer.byteLength(item.raw) : item.raw.length;
      length += ITEM_HEADER + item.out.length + (rawBytes[n] ?? 0);
    });
    const frame = Buffer.allocUnsafe(FRAME_HEADER + length);
    let at = FRAME_HEADER;
    items.forEach((item, n) => {
      copyKey(item.keys, item.keyOffset, frame, at);
      frame.writeUInt32LE(item.count, at + KEY_BYTES);
      frame.writeUInt32LE(item.out.length, at + KEY_BYTES + 4);
      frame.writeUInt32LE(item.raw === undefined ? NO_RAW : (rawBytes[n] ?? 0), at + KEY_BYTES + 8);
      at += ITEM_HEADER;
      frame.set(item.out, at);
      at += item.out.length;
      if (typeof item.raw === 'string') at += frame.write(item.raw, at);
      else if (item.raw !== undefined) {
        frame.set(item.raw, at);
        at += item.raw.length;
      }
    });
    const payload = frame.subarray(FRAME_HEADER);
    frame.writeUInt32LE(length, 0);
    frame.writeUInt32LE(items.length, 4);
    createHash('sha256').update(payload).digest().copy(frame, 8);
    try {
      if (this.#fd === undefined) {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        this.#fd = fs.openSync(this.file, 'w+');
      }
      let written = 0;
      while (written < frame.length)
        written += fs.writeSync(this.#fd, frame, written, frame.length - written, this.#size + written);
    } catch (error) {
      // A frame cut short is dropped when the journal is next opened; the frames before it stay.
      throw diskError(error, 'the item journal', this.file);
    }
    // Not indexed: the run that appends them holds them itself, and the next reads them back. (Indexed, a
    // cold run's 100,000 items kept 6 MB of arrays, grown by doubling, that nothing looked up.)
    this.#size += frame.length;
  }

  /** Output lines of entry `i` (bytes of its own, or of a window read ahead: never written over). */
  output(i: number): Buffer {
    return this.#read(this.#outOffsets[i] ?? 0, this.#outLengths[i] ?? 0);
  }

  outputCount(i: number): number {
    return this.#outCounts[i] ?? 0;
  }

  raw(i: number): string | undefined {
    const length = this.#rawLengths[i] ?? NO_RAW;
    return length === NO_RAW ? undefined : this.#read(this.#rawOffsets[i] ?? 0, length).toString('utf8');
  }

  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Closes and deletes the journal: its items are in a manifest now. */
  remove(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }

  /**
   * The bytes at `offset`, never written over: a buffer of their own, or a
   * view of a window read ahead (each window is a new buffer). A run reuses
   * journaled items mostly in the order they were journaled, a few dozen
   * bytes each: read one by one, a million of them took a million reads
   * (3.2 s). Reads that go on in journal order are served from a window,
   * which doubles while they keep on (up to AHEAD_MAX); a read elsewhere
   * reads just its bytes and starts the window over.
   */
  #read(offset: number, length: number): Buffer {
    const isOnward = this.#lastEnd >= 0 && offset >= this.#lastEnd && offset <= this.#lastEnd + AHEAD_SLACK;
    this.#lastEnd = offset + length;
    const window = this.#window;
    if (window && offset >= this.#windowAt && offset + length <= this.#windowAt + window.length)
      return window.subarray(offset - this.#windowAt, offset - this.#windowAt + length);
    this.#ahead = isOnward ? Math.min(AHEAD_MAX, Math.max(AHEAD_MIN, 2 * this.#ahead)) : 0;
    if (this.#ahead <= length || this.#fd === undefined) {
      const out = Buffer.allocUnsafe(length);
      if (length > 0 && this.#fd !== undefined) fs.readSync(this.#fd, out, 0, length, offset);
      return out;
    }
    const ahead = Buffer.allocUnsafe(this.#ahead);
    this.#window = ahead.subarray(0, fs.readSync(this.#fd, ahead, 0, ahead.length, offset));
    this.#windowAt = offset;
    // Entries end within the file, so the window holds at least these bytes.
    return this.#window.subarray(0, length);
  }

  /** Indexes a frame's items; false when the payload does not parse (then the frame is dropped). */
  #index(payload: Buffer, items: number, fileOffset: number): boolean {
    const start = this.#entries;
    let at = 0;
    for (let n = 0; n < items; n++) {
      if (at + ITEM_HEADER > payload.length) {
        this.#entries = start;
        return false;
      }
      const count = payload.readUInt32LE(at + KEY_BYTES);
      const outLength = payload.readUInt32LE(at + KEY_BYTES + 4);
      const rawLength = payload.readUInt32LE(at + KEY_BYTES + 8);
      const end = at + ITEM_HEADER + outLength + (rawLength === NO_RAW ? 0 : rawLength);
      if (end > payload.length) {
        this.#entries = start;
        return false;
      }
      const i = this.#entries;
      if (i === this.#outOffsets.length) this.#grow();
      copyKey(payload, at, this.#keys, i * KEY_BYTES);
      this.#outOffsets[i] = fileOffset + at + ITEM_HEADER;
      this.#outLengths[i] = outLength;
      this.#outCounts[i] = count;
      this.#rawOffsets[i] = fileOffset + at + ITEM_HEADER + outLength;
      this.#rawLengths[i] = rawLength;
      this.#entries++;
      at = end;
    }
    return at === payload.length;
  }

  #grow(): void {
    const size = this.#outOffsets.length * 2;
    const keys = Buffer.allocUnsafe(size * KEY_BYTES);
    this.#keys.copy(keys);
    this.#keys = keys;
    const grow = <T extends Float64Array | Uint32Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.#outOffsets = grow(this.#outOffsets, new Float64Array(size));
    this.#outLengths = grow(this.#outLengths, new Uint32Array(size));
    this.#outCounts = grow(this.#outCounts, new Uint32Array(size));
    this.#rawOffsets = grow(this.#rawOffsets, new Float64Array(size));
    this.#rawLengths = grow(this.#rawLengths, new Uint32Array(size));
  }
}
