// The stat cache file as read, decoded a part at a time as a run needs it.
// A no-op run over 100,000 files asks the cache for the hash of its stage
// module, a rerun after one edit for that and the edited file: a binary
// search over the file's paths (its `ends` column says where each lies)
// that decodes only the paths it compares, and the one row it finds, answers
// them. The whole columns (100,000 strings) are made only for a run that
// walks a long list against them (a cold run's or a touch's stat pass), the
// listings (JSON holding every name of every directory a glob walked) only
// when a listing is asked for. Deleting this module's search (find, hashIf)
// and decoding every section at once is how the cache loaded before.
//
// The file itself is read the same way (file-bytes.ts): its header when it
// is opened, then the blocks a search touches, and the whole file only when
// a whole section is asked for. A 100,000-file cache is 10 MB, which took
// 38-43 ms to read in a run that then looked up a few files.
//
// Every byte used is checked first: the header against the checksum after
// its JSON, the checks section against the header's, and each 16 KiB block
// against its check the first time a part of it is used (a search's
// blocks, a section's whole), so the checks cost what the reads cost. A
// block that does not match throws, naming the sections in it: the caller
// (loaded-cache.ts) says so and drops the part it was reading, never a
// hash taken from it.
import zlib from 'node:zlib';
import { messageOf } from '../util/errors.js';
import { arrayOf, count, number, objectOf, recordOf, shapeProblem, string, tupleOf, where } from '../util/shape.js';
import type { Check } from '../util/shape.js';
import { BlockChecks, headerSum, unitsBefore } from './stat-cache-checks.js';
import { FAMILY, HEADER_BYTES, MAGIC, SECTIONS } from './stat-cache-file.js';
import type { DirEntry, FileColumns, Header, Section, StatCacheData } from './stat-cache-file.js';
import { HASH_BYTES } from './stat-cache-types.js';
import { FileBytes, inMemory } from './file-bytes.js';
import type { Bytes } from './file-bytes.js';

const SECTION: Check = tupleOf(count, count);
const HEADER: Check = objectOf({
  files: count,
  sections: objectOf(Object.fromEntries(SECTIONS.map((name) => [name, SECTION]))),
  checksSum: count,
});
/** What a check that does not match says, after what it covers. */
const DAMAGED = 'do not match their checksum (edited or damaged since the file was written)';
const DIRS: Check = recordOf(
  where(
    tupleOf(number, number, arrayOf(string), string, number),
    (entry) => {
      const [, , names, kinds] = entry as DirEntry;
      return names.length === kinds.length;
    },
    'a kind for every name',
  ),
);
const DERIVED: Check = recordOf(arrayOf(string));

/**
 * The cache in `file`, opened: undefined when there is none, or it is
 * another version's; `{ problem }` when its header, layout or checks are
 * not a whole stat cache file's (cut short, overwritten, damaged).
 */
export function readStatCacheFile(file: string): { image: StatCacheImage } | { problem: string } | undefined {
  let bytes: FileBytes;
  try {
    bytes = new FileBytes(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { problem: `cannot be read (${messageOf(error)})` };
  }
  let start: string;
  try {
    start = startOf(bytes);
  } catch (error) {
    bytes.close();
    return { problem: `cannot be read (${messageOf(error)})` };
  }
  if (start !== MAGIC) {
    bytes.close();
    return start.startsWith(FAMILY) ? undefined : { problem: 'not a stat cache file' };
  }
  const opened = openImage(bytes);
  if ('problem' in opened) bytes.close();
  return opened;
}

/** How many file entries the cache in `file` holds, by its header alone: 0 when there is none, or it is not one. */
export function fileEntriesOf(file: string): number {
  let bytes: FileBytes | undefined;
  try {
    bytes = new FileBytes(file);
    return startOf(bytes) === MAGIC ? headerOf(bytes).files : 0;
  } catch {
    return 0;
  } finally {
    bytes?.close();
  }
}

/** encodeStatCache's bytes back whole (a frame of the log), or what is wrong with them. */
export function decodeStatCache(data: Buffer): { data: StatCacheData } | { problem: string } {
  if (data.toString('latin1', 0, MAGIC.length) !== MAGIC) return { problem: 'not a stat cache encoding' };
  const opened = openImage(inMemory(data));
  if ('problem' in opened) return opened;
  try {
    const { image } = opened;
    return { data: { files: image.files(), dirs: image.dirs(), derived: image.derived() } };
  } catch (error) {
    return { problem: messageOf(error) };
  }
}

function openImage(data: Bytes): { image: StatCacheImage } | { problem: string } {
  try {
    return { image: new StatCacheImage(data) };
  } catch (error) {
    return { problem: messageOf(error) };
  }
}

/**
 * A stat cache encoding whose header, layout and checks were checked: its
 * file entries found one at a time, or each section decoded whole, each
 * block checked when first used (each throws what is wrong).
 */
export class StatCacheImage {
  readonly count: number;
  readonly #data: Bytes;
  readonly #sections: Record<Section, [number, number]>;
  readonly #checks: BlockChecks;

  /** `data`: an encoding in memory, or (readStatCacheFile) a file read as asked. */
  constructor(data: Buffer | Bytes) {
    const bytes = Buffer.isBuffer(data) ? inMemory(data) : data;
    const header = headerOf(bytes);
    for (const name of SECTIONS) {
      const [offset, length] = header.sections[name];
      if (offset + length > bytes.length) throw new Error(`cut short (${name} runs past the end)`);
    }
    const [checksAt, checksLength] = header.sections.checks;
    // Every other section lies where the checks cover it (a writer's mistake, not damage: the header matched).
    for (const name of SECTIONS) {
      const [offset, length] = header.sections[name];
      if (name !== 'checks' && (offset < HEADER_BYTES || offset + length > checksAt))
        throw new Error(`${name} lies outside what the checks cover`);
    }
    const units = unitsBefore(checksAt);
    if (checksLength !== 4 * units) throw new Error(`the checks are not one for each of ${units} blocks`);
    const n = header.files;
    const size = (name: Section): number => header.sections[name][1];
    if (size('ends') !== 4 * n || size('nums') !== 24 * n || size('hashes') !== HASH_BYTES * n || size('racy') !== n)
      throw new Error(`the file columns do not hold ${n} entries`);
    const checks = bytes.slice(checksAt, checksLength);
    if (zlib.crc32(checks) !== header.checksSum) throw new Error(`the checks ${DAMAGED}`);
    this.count = n;
    this.#data = bytes;
    this.#sections = header.sections;
    this.#checks = new BlockChecks(checks, HEADER_BYTES, checksAt);
  }

  /**
   * The row of `file`, by binary search over the paths; undefined when it is not there (or a path the ends
   * column places outside the paths is passed: a foreign writer's, found as a miss, which costs a re-hash).
   * Throws when a block it reads does not match its check, or cannot be read.
   */
  find(file: string): number | undefined {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const path = this.#pathAt(mid);
      if (path === undefined) return undefined;
      if (path < file) low = mid + 1;
      else high = mid;
    }
    return low < this.count && this.#pathAt(low) === file ? low : undefined;
  }

  /**
   * Row `row`'s hash (hex) when the file still has this size, ctime and inode and the entry was not racy.
   * Throws as find() does.
   */
  hashIf(row: number, size: number, changedMs: number, ino: number): string | undefined {
    const nums = this.#slice(this.#sections.nums[0] + 24 * row, 24);
    if (
      nums.readDoubleLE(0) !== size ||
      nums.readDoubleLE(8) !== changedMs ||
      nums.readDoubleLE(16) !== ino ||
      this.#slice(this.#sections.racy[0] + row, 1)[0] === 1
    )
      return undefined;
    return this.hashAt(row);
  }

  /** Row `row`'s hash (hex). */
  hashAt(row: number): string {
    return this.#slice(this.#sections.hashes[0] + HASH_BYTES * row, HASH_BYTES).toString('hex');
  }

  /** The file entries as columns (copied out of the file's buffer). */
  files(): FileColumns {
    const n = this.count;
    const pathText = this.#section('paths').toString('utf8');
    const paths = n === 0 ? [] : pathText.split('\0');
    if (paths.length !== n) throw new Error(`the file columns do not hold ${n} entries`);
    // Float64Array wants 8-byte alignment.
    const nums = new Float64Array(n * 3);
    new Uint8Array(nums.buffer).set(this.#section('nums'));
    return { paths, nums, hashes: Buffer.from(this.#section('hashes')), racy: Uint8Array.from(this.#section('racy')) };
  }

  dirs(): Record<string, DirEntry> {
    // Read on its own: a run asks for a listing without the columns (a glob memo patched for a directory).
    return parseSection('dirs', this.#section('dirs', true).toString('utf8'), DIRS) as Record<string, DirEntry>;
  }

  derived(): Record<string, string[]> {
    return parseSection('derived', this.#section('derived').toString('utf8'), DERIVED) as Record<string, string[]>;
  }

  /** Path `row`, as the ends column places it in the paths section; undefined when it places it outside. */
  #pathAt(row: number): string | undefined {
    const [paths, length] = this.#sections.paths;
    const ends = this.#sections.ends[0];
    const start = row === 0 ? 0 : this.#slice(ends + 4 * (row - 1), 4).readUInt32LE(0) + 1;
    const end = this.#slice(ends + 4 * row, 4).readUInt32LE(0);
    return start <= end && end <= length ? this.#slice(paths + start, end - start).toString('utf8') : undefined;
  }

  /** Section `name`'s bytes, checked; `isAlone`: read on its own, not with the rest of the file (Bytes.sliceAlone). */
  #section(name: Section, isAlone = false): Buffer {
    const [offset, length] = this.#sections[name];
    return this.#checked(
      offset,
      length,
      isAlone ? this.#data.sliceAlone(offset, length) : this.#data.slice(offset, length),
    );
  }

  /** `length` bytes from `offset` (within the sections the checks cover), checked. */
  #slice(offset: number, length: number): Buffer {
    return this.#checked(offset, length, this.#data.slice(offset, length));
  }

  /** `bytes`, the file's `length` from `offset`, once every block they touch matches its check; else throws. */
  #checked(offset: number, length: number, bytes: Buffer): Buffer {
    const damaged = this.#checks.damaged(offset, length, bytes, this.#data);
    if (damaged === undefined) return bytes;
    const [from, to] = damaged;
    throw new Error(`bytes ${from}-${to - 1} (${this.#sectionsIn(from, to).join(', ')}) ${DAMAGED}`);
  }

  /** The sections holding bytes in [from, to). */
  #sectionsIn(from: number, to: number): Section[] {
    return SECTIONS.filter((name) => {
      const [offset, length] = this.#sections[name];
      return length > 0 && offset < to && offset + length > from;
    });
  }
}

/** The first bytes of a stat cache file or encoding, as many as its magic has (fewer if it is shorter), as latin1. */
function startOf(bytes: Bytes): string {
  return bytes.slice(0, Math.min(MAGIC.length, bytes.length)).toString('latin1');
}

/**
 * The header of a stat cache encoding (its magic already checked), or what is wrong with it, thrown: its
 * JSON, a line, then its checksum (headerSum) and a line.
 */
function headerOf(bytes: Bytes): Header {
  const data = bytes.slice(0, Math.min(HEADER_BYTES, bytes.length));
  if (data.length < HEADER_BYTES) throw new Error('cut short');
  const end = data.indexOf(10, MAGIC.length);
  const sumEnd = end + 9;
  if (
    end < 0 ||
    sumEnd >= HEADER_BYTES ||
    data[sumEnd] !== 10 ||
    data.toString('latin1', end + 1, sumEnd) !== headerSum(data.subarray(0, end + 1))
  )
    throw new Error('its header does not match its checksum (edited or damaged since the file was written)');
  return parseSection('header', data.toString('utf8', MAGIC.length, end), HEADER) as Header;
}

/** The JSON of a section, checked against its shape; throws what is wrong with it. */
function parseSection(name: string, text: string, check: Check): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name}: not JSON (${messageOf(error)})`);
  }
  const problem = shapeProblem(value, check, name);
  if (problem !== undefined) throw new Error(problem);
  return value;
}
