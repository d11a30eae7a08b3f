// The checks of the stat cache file (stat-cache-file.ts): a crc32 of each
// 16 KiB block of its bytes after the header, summed as the writer hands
// them over and checked as the reader first uses bytes of each block. A
// block is the unit FileBytes reads (stat-cache-image.ts), so a lookup that
// reads a few blocks checks those few: a no-op over 100,000 files checks
// about 16 blocks of a 10 MB file, a run that decodes it whole sums it all
// (about 5 ms). crc32, not sha256 (a third of the time): the file is a
// cache on the user's own disk, guarded against bits that flip and writes
// torn by a crash, not against someone who means to forge it.
import zlib from 'node:zlib';

/** Bytes of the file one check covers: its 16 KiB blocks (the first less the header, which has its own). */
export const CHECK_UNIT = 16 * 1024;

/** How many checks cover the bytes before `end`: one per CHECK_UNIT begun. */
export function unitsBefore(end: number): number {
  return Math.ceil(end / CHECK_UNIT);
}

/** The checksum of a header, as the line after its JSON holds it: the crc32 of what comes before, in hex. */
export function headerSum(text: Uint8Array): string {
  return zlib.crc32(text).toString(16).padStart(8, '0');
}

/** The checks of bytes written in order from `start` on, summed as they go by. */
export class UnitChecks {
  readonly #sums: number[] = [];
  #sum = 0;
  #at: number;

  constructor(start: number) {
    this.#at = start;
  }

  add(bytes: Uint8Array): void {
    for (let from = 0; from < bytes.length; ) {
      const take = Math.min(CHECK_UNIT - (this.#at % CHECK_UNIT), bytes.length - from);
      this.#sum = zlib.crc32(bytes.subarray(from, from + take), this.#sum);
      from += take;
      this.#at += take;
      if (this.#at % CHECK_UNIT === 0) {
        this.#sums.push(this.#sum);
        this.#sum = 0;
      }
    }
  }

  /** The checks section: a uint32 LE per unit begun (unitsBefore), the last one's sum taken where the bytes end. */
  end(): Buffer {
    if (this.#at % CHECK_UNIT !== 0) this.#sums.push(this.#sum);
    const out = Buffer.alloc(4 * this.#sums.length);
    for (const [i, sum] of this.#sums.entries()) out.writeUInt32LE(sum, 4 * i);
    return out;
  }
}

/** Where BlockChecks reads a unit that the bytes it is handed hold only part of. */
export interface FileSlices {
  slice(offset: number, length: number): Uint8Array;
}

/** The checks of a file's bytes in [start, end), as read: each unit checked the first time bytes in it are used. */
export class BlockChecks {
  readonly #sums: Buffer;
  readonly #start: number;
  readonly #end: number;
  /** 1 for a unit checked and found as written. */
  readonly #isChecked: Uint8Array;

  /** `sums`: the checks section (UnitChecks.end), one for each unit of [start, end). */
  constructor(sums: Buffer, start: number, end: number) {
    this.#sums = sums;
    this.#start = start;
    this.#end = end;
    this.#isChecked = new Uint8Array(unitsBefore(end));
  }

  /**
   * The first unit `bytes` (the file's `length` from `offset`, within [start, end)) touch that does not
   * match its check, as [from, to); undefined when all do. A unit they hold whole is summed from them, one
   * they hold part of is read from `file` (its blocks read already, or next).
   */
  damaged(offset: number, length: number, bytes: Uint8Array, file: FileSlices): [number, number] | undefined {
    if (length === 0) return undefined;
    const first = Math.floor(offset / CHECK_UNIT);
    const last = Math.floor((offset + length - 1) / CHECK_UNIT);
    // The usual case, a few bytes of a search in a block checked already: one look.
    if (first === last && this.#isChecked[first] === 1) return undefined;
    for (let unit = first; unit <= last; unit++) {
      if (this.#isChecked[unit] === 1) continue;
      const from = Math.max(unit * CHECK_UNIT, this.#start);
      const to = Math.min((unit + 1) * CHECK_UNIT, this.#end);
      const whole =
        from >= offset && to <= offset + length
          ? bytes.subarray(from - offset, to - offset)
          : file.slice(from, to - from);
      if (zlib.crc32(whole) !== this.#sums.readUInt32LE(4 * unit)) return [from, to];
      this.#isChecked[unit] = 1;
    }
    return undefined;
  }
}
