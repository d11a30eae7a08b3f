// A file's bytes read as they are asked for, in blocks kept once read, or
// bytes already in memory, behind one interface (Bytes): the stat cache
// file (stat-cache-image.ts) is searched through it, a run that looks up a
// few files reading its header and the blocks its search touches, not its
// 10 MB at 100,000 files.
import fs from 'node:fs';

/**
 * Bytes of a file or an encoding: in memory (a frame of the stat cache log), or read
 * from its file as they are asked for (FileBytes).
 */
export interface Bytes {
  readonly length: number;
  /** `length` bytes from `offset`: a view or a copy, never to be written. Throws when they cannot be read. */
  slice(offset: number, length: number): Buffer;
  /** slice() of a part read on its own, not with the rest of the file (a section no other is asked with). */
  sliceAlone(offset: number, length: number): Buffer;
}

export function inMemory(data: Buffer): Bytes {
  const slice = (offset: number, length: number): Buffer => data.subarray(offset, offset + length);
  return { length: data.length, slice, sliceAlone: slice };
}

/** Bytes read in blocks of this size, each kept once read. */
const BLOCK = 16 * 1024;
/** Past this many bytes in blocks, or asked for a slice this long (but by sliceAlone), the file is read whole. */
const WHOLE_AFTER = 1024 * 1024;

/** Closes what a FileBytes left open when it is collected before it read its file whole. */
const unclosed = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    // Closed already.
  }
});

/**
 * A stat cache file read as its parts are asked for: through a descriptor
 * held open, so every part comes from the file as it was opened even when
 * another run replaces it (a save renames a new file over it). Read whole
 * (and closed) once a whole section is asked for, or many blocks were; the
 * directory listings alone (1.6 MB of a 10 MB file at 100,000 files), when
 * they are asked for first (a run whose glob memo does not hold whole).
 */
export class FileBytes implements Bytes {
  readonly length: number;
  #fd: number | undefined;
  #whole: Buffer | undefined;
  readonly #blocks = new Map<number, Buffer>();
  #blockBytes = 0;

  constructor(file: string) {
    const fd = fs.openSync(file, 'r');
    try {
      this.length = fs.fstatSync(fd).size;
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    this.#fd = fd;
    unclosed.register(this, fd, this);
  }

  slice(offset: number, length: number): Buffer {
    this.#checkWithin(offset, length);
    if (this.#whole === undefined && (length >= WHOLE_AFTER || this.#blockBytes >= WHOLE_AFTER)) this.#readWhole();
    if (this.#whole !== undefined) return this.#whole.subarray(offset, offset + length);
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / BLOCK);
    if (first === last) {
      const at = offset - first * BLOCK;
      return this.#block(first).subarray(at, at + length);
    }
    const out = Buffer.allocUnsafe(length);
    for (let b = first, done = 0; b <= last; b++) {
      const block = this.#block(b);
      const from = b === first ? offset - first * BLOCK : 0;
      const take = Math.min(block.length - from, length - done);
      block.copy(out, done, from, from + take);
      done += take;
    }
    return out;
  }

  sliceAlone(offset: number, length: number): Buffer {
    if (this.#whole !== undefined || length < WHOLE_AFTER) return this.slice(offset, length);
    this.#checkWithin(offset, length);
    const part = Buffer.allocUnsafe(length);
    this.#readInto(part, offset);
    return part;
  }

  /** Closes the file (idempotent); what was read stays readable. */
  close(): void {
    if (this.#fd === undefined) return;
    unclosed.unregister(this);
    fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  #checkWithin(offset: number, length: number): void {
    if (offset < 0 || offset + length > this.length)
      throw new Error(`cut short (bytes ${offset}+${length} of ${this.length})`);
  }

  #block(b: number): Buffer {
    let block = this.#blocks.get(b);
    if (block === undefined) {
      block = Buffer.allocUnsafe(Math.min(BLOCK, this.length - b * BLOCK));
      this.#readInto(block, b * BLOCK);
      this.#blocks.set(b, block);
      this.#blockBytes += block.length;
    }
    return block;
  }

  #readWhole(): void {
    const whole = Buffer.allocUnsafe(this.length);
    this.#readInto(whole, 0);
    this.#whole = whole;
    this.#blocks.clear();
    this.close();
  }

  #readInto(target: Buffer, position: number): void {
    if (this.#fd === undefined) throw new Error('closed before it was read');
    for (let done = 0; done < target.length; ) {
      const read = fs.readSync(this.#fd, target, done, target.length - done, position + done);
      if (read === 0) throw new Error('cut short (the file ended early)');
      done += read;
    }
  }
}
