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
import fs from 'node:fs';
import { messageOf } from '../util/errors.js';
import { arrayOf, count, number, objectOf, recordOf, shapeProblem, string, tupleOf, where } from '../util/shape.js';
import type { Check } from '../util/shape.js';
import { FAMILY, HEADER_BYTES, MAGIC, SECTIONS } from './stat-cache-file.js';
import type { DirEntry, FileColumns, Header, Section, StatCacheData } from './stat-cache-file.js';
import { HASH_BYTES } from './stat-cache-types.js';

const SECTION: Check = tupleOf(count, count);
const HEADER: Check = objectOf({
  files: count,
  sections: objectOf(Object.fromEntries(SECTIONS.map((name) => [name, SECTION]))),
});
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
 * another version's; `{ problem }` when its header or layout is not a
 * whole stat cache file's (cut short, overwritten).
 */
export function readStatCacheFile(file: string): { image: StatCacheImage } | { problem: string } | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { problem: `cannot be read (${messageOf(error)})` };
  }
  if (data.toString('latin1', 0, MAGIC.length) !== MAGIC)
    return data.toString('latin1', 0, FAMILY.length) === FAMILY ? undefined : { problem: 'not a stat cache file' };
  return openImage(data);
}

/** How many file entries the cache in `file` holds, by its header alone: 0 when there is none, or it is not one. */
export function fileEntriesOf(file: string): number {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(HEADER_BYTES);
    const data = head.subarray(0, fs.readSync(fd, head, 0, HEADER_BYTES, 0));
    return data.toString('latin1', 0, MAGIC.length) === MAGIC ? headerOf(data).files : 0;
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** encodeStatCache's bytes back whole (a frame of the log), or what is wrong with them. */
export function decodeStatCache(data: Buffer): { data: StatCacheData } | { problem: string } {
  const opened = openImage(data);
  if ('problem' in opened) return opened;
  try {
    const { image } = opened;
    return { data: { files: image.files(), dirs: image.dirs(), derived: image.derived() } };
  } catch (error) {
    return { problem: messageOf(error) };
  }
}

function openImage(data: Buffer): { image: StatCacheImage } | { problem: string } {
  if (data.toString('latin1', 0, MAGIC.length) !== MAGIC) return { problem: 'not a stat cache encoding' };
  try {
    return { image: new StatCacheImage(data) };
  } catch (error) {
    return { problem: messageOf(error) };
  }
}

/**
 * A stat cache encoding whose header and layout were checked: its file
 * entries found one at a time, or each section decoded whole (each throws
 * what is wrong with it).
 */
export class StatCacheImage {
  readonly count: number;
  readonly #data: Buffer;
  readonly #sections: Record<Section, [number, number]>;

  constructor(data: Buffer) {
    const header = headerOf(data);
    for (const name of SECTIONS) {
      const [offset, length] = header.sections[name];
      if (offset + length > data.length) throw new Error(`cut short (${name} runs past the end)`);
    }
    const n = header.files;
    const size = (name: Section): number => header.sections[name][1];
    if (size('ends') !== 4 * n || size('nums') !== 24 * n || size('hashes') !== HASH_BYTES * n || size('racy') !== n)
      throw new Error(`the file columns do not hold ${n} entries`);
    this.count = n;
    this.#data = data;
    this.#sections = header.sections;
  }

  /** The row of `file`, by binary search over the paths; undefined when it is not there (or the column is not sound). */
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

  /** Row `row`'s hash (hex) when the file still has this size, mtime and inode and the entry was not racy. */
  hashIf(row: number, size: number, mtimeMs: number, ino: number): string | undefined {
    const data = this.#data;
    const nums = this.#sections.nums[0] + 24 * row;
    if (
      data.readDoubleLE(nums) !== size ||
      data.readDoubleLE(nums + 8) !== mtimeMs ||
      data.readDoubleLE(nums + 16) !== ino ||
      data[this.#sections.racy[0] + row] === 1
    )
      return undefined;
    return this.hashAt(row);
  }

  /** Row `row`'s hash (hex). */
  hashAt(row: number): string {
    const at = this.#sections.hashes[0] + HASH_BYTES * row;
    return this.#data.toString('hex', at, at + HASH_BYTES);
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
    return parseSection('dirs', this.#section('dirs').toString('utf8'), DIRS) as Record<string, DirEntry>;
  }

  derived(): Record<string, string[]> {
    return parseSection('derived', this.#section('derived').toString('utf8'), DERIVED) as Record<string, string[]>;
  }

  /** Path `row`, as the ends column places it in the paths section; undefined when it places it outside. */
  #pathAt(row: number): string | undefined {
    const [paths, length] = this.#sections.paths;
    const ends = this.#sections.ends[0];
    const start = row === 0 ? 0 : this.#data.readUInt32LE(ends + 4 * (row - 1)) + 1;
    const end = this.#data.readUInt32LE(ends + 4 * row);
    return start <= end && end <= length ? this.#data.toString('utf8', paths + start, paths + end) : undefined;
  }

  #section(name: Section): Buffer {
    const [offset, length] = this.#sections[name];
    return this.#data.subarray(offset, offset + length);
  }
}

/** The header of a stat cache encoding (its magic already checked), or what is wrong with it, thrown. */
function headerOf(data: Buffer): Header {
  const end = data.indexOf(10, MAGIC.length);
  if (data.length < HEADER_BYTES || end < 0) throw new Error('cut short');
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
