// Byte ranges of a file (a dataset holding cached items' output lines),
// read through a window.
import fs from 'node:fs';

const WINDOW_BYTES = 1 << 20;

/** Reads byte ranges of a file through a 1 MiB window: reruns read a dataset mostly front to back. */
export class RangeReader {
  readonly #fd: number;
  readonly #size: number;
  #window = Buffer.allocUnsafe(WINDOW_BYTES);
  #start = 0;
  #end = 0;

  constructor(file: string) {
    this.#fd = fs.openSync(file, 'r');
    this.#size = fs.fstatSync(this.#fd).size;
  }

  /** The bytes [offset, offset + length): valid until the next read. */
  read(offset: number, length: number): Buffer {
    if (offset + length > this.#size)
      throw new Error(
        `the dataset ends at byte ${this.#size}, before the ${length} bytes at ${offset} its manifest names`,
      );
    if (offset >= this.#start && offset + length <= this.#end)
      return this.#window.subarray(offset - this.#start, offset - this.#start + length);
    if (length > this.#window.length) this.#window = Buffer.allocUnsafe(length);
    let filled = 0;
    const want = Math.min(this.#window.length, this.#size - offset);
    while (filled < want) {
      const read = fs.readSync(this.#fd, this.#window, filled, want - filled, offset + filled);
      if (read === 0) break;
      filled += read;
    }
    this.#start = offset;
    this.#end = offset + filled;
    return this.#window.subarray(0, length);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}
