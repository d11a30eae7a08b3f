// The stat cache on disk (.runner/stat-cache.bin): compact and quick to
// load at a million files. The file entries are columns, not JSON objects:
// paths (sorted, NUL-separated UTF-8) and where each ends (uint32), then
// [size, changedMs, inode] as float64 triples, the sha256 of each file as 32
// raw bytes, and one byte saying whether the entry was racy when recorded.
// Directory listings and derived facts stay JSON. Last, the checks: a crc32
// of each 16 KiB block of the file before them (stat-cache-checks.ts; the
// first block less the header), their own crc32 in the header, and the
// header's after its JSON. A run reads a few blocks of the file
// (stat-cache-image.ts) and checks each as it is read, so a flipped bit or
// a block a torn write left with other bytes is found before a hash from
// it is used, and a no-op still reads a few blocks, not 10 MB. This module
// writes it;
// stat-cache-image.ts reads it, a part at a time. A file that is not one of
// these, or is cut short, or whose header or checks do not match, loads as
// an empty cache (the next run hashes again); a block that does not match
// empties the parts it holds when it is read; the reader says what is wrong.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { copyRow, mergeSorted } from './recorded-files.js';
import { bytesOf } from '../util/bytes.js';
import { headerSum, UnitChecks } from './stat-cache-checks.js';
import { HASH_BYTES } from './stat-cache-types.js';

export const FAMILY = 'runner-stat-cache ';
export const MAGIC = `${FAMILY}4\n`;
export const HEADER_BYTES = 512;

/** [changedMs, ino, names, kinds, listedAtMs] where kinds[i] is 'f' file, 'd' directory, 'o' other (symlink...), 'u' a name not UTF-8. */
export type DirEntry = [number, number, string[], string, number];

/** The file entries as columns; `paths` sorted. */
export interface FileColumns {
  paths: string[];
  /** size, changedMs, inode per file. */
  nums: Float64Array;
  hashes: Buffer;
  /** 1: the entry was recorded within the racy window of the file's ctime (see isRacy). */
  racy: Uint8Array;
}

export interface StatCacheData {
  files: FileColumns;
  dirs: Record<string, DirEntry>;
  /** Lists derived from a file's content (a module's imports), keyed by kind and content hash. */
  derived: Record<string, string[]>;
}

/** The sections of the file, in the order written: the checks last, covering the others. */
export const SECTIONS = ['paths', 'ends', 'nums', 'hashes', 'racy', 'dirs', 'derived', 'checks'] as const;
export type Section = (typeof SECTIONS)[number];
/** The sections the checks cover. */
export type BodySection = Exclude<Section, 'checks'>;

/**
 * The header's JSON: the number of file entries, each section's [offset,
 * length], and the crc32 of the checks section (a uint32 LE per 16 KiB
 * block of the file from HEADER_BYTES to the checks, the last one short).
 */
export interface Header {
  files: number;
  sections: Record<Section, [number, number]>;
  checksSum: number;
}

export function emptyColumns(): FileColumns {
  return { paths: [], nums: new Float64Array(0), hashes: Buffer.alloc(0), racy: new Uint8Array(0) };
}

/** The stat cache's bytes whole (a frame of the log): the header, then each section. */
export function encodeStatCache(data: StatCacheData): Buffer {
  return encodeParts(data.files.paths.length, piecesOf(data));
}

/**
 * The stat cache of `files` entries whose sections hold `sections`' bytes as
 * they are, checked as the writer checks them: content no run writes (a
 * foreign writer's, a test's) laid out as a run lays out its own.
 */
export function encodeSections(files: number, sections: Record<BodySection, Uint8Array>): Buffer {
  const pieces = Object.fromEntries(
    Object.entries(sections).map(([name, bytes]) => [name, (add: (piece: Piece) => void) => add(bytes)]),
  ) as Pieces;
  return encodeParts(files, pieces);
}

function encodeParts(files: number, pieces: Pieces): Buffer {
  const parts: Buffer[] = [];
  // Copied: a piece of text is handed over in a buffer used again for the next.
  const header = layOut(files, pieces, (bytes) => parts.push(Buffer.from(bytes)));
  return Buffer.concat([header, ...parts]);
}

/**
 * Writes encodeStatCache's bytes through `fd` (a new file) without making
 * its large sections whole in memory (at 100,000 files the paths were a
 * 2.3 MB string and as large a buffer, the listings 1.5 MB twice, made at
 * the end of a run, where a cold run peaks): each piece is written as it
 * is made, text through one buffer used again for each piece, the header
 * last, over the room left for it.
 */
export function writeStatCache(fd: number, data: StatCacheData): void {
  let offset = HEADER_BYTES;
  const header = layOut(data.files.paths.length, piecesOf(data), (bytes) => {
    offset += writeBytes(fd, bytes, offset);
  });
  writeBytes(fd, header, 0);
}

function headerOf(files: number, sections: Record<Section, [number, number]>, checksSum: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const text = Buffer.from(`${MAGIC}${JSON.stringify({ files, sections, checksSum } satisfies Header)}\n`);
  const line = `${headerSum(text)}\n`;
  if (text.length + line.length > HEADER_BYTES) throw new Error('stat cache header too long');
  text.copy(header);
  header.write(line, text.length, 'latin1');
  return header;
}

/** Paths joined per piece of the paths section (about 100 KB of text, not 2.3 MB at once). */
const PATHS_A_PIECE = 4096;

type Piece = string | Uint8Array;
/** What each covered section holds, handed to `add` a piece at a time. */
type Pieces = Record<BodySection, (add: (piece: Piece) => void) => void>;

/** The sections of `data`: the paths and the listings as text in pieces, the columns as they are in memory. */
function piecesOf(data: StatCacheData): Pieces {
  const { files } = data;
  const n = files.paths.length;
  return {
    paths: (add) => {
      for (let from = 0; from < n; from += PATHS_A_PIECE) {
        const piece = files.paths.slice(from, from + PATHS_A_PIECE).join('\0');
        add(from + PATHS_A_PIECE < n ? `${piece}\0` : piece);
      }
    },
    ends: (add) => {
      let end = -1;
      for (let from = 0; from < n; from += PATHS_A_PIECE) {
        const ends = pathEnds(files.paths, from, Math.min(n, from + PATHS_A_PIECE), end + 1);
        add(bytesOf(ends));
        end = ends.at(-1) ?? end;
      }
    },
    nums: (add) => add(bytesOf(files.nums, 3 * n)),
    hashes: (add) => add(files.hashes.subarray(0, n * HASH_BYTES)),
    racy: (add) => add(files.racy.subarray(0, n)),
    // JSON.stringify of the record, entry by entry: the same text (its keys in the same order).
    dirs: (add) => {
      let separator = '{';
      for (const [dir, entry] of Object.entries(data.dirs)) {
        add(`${separator}${JSON.stringify(dir)}:${JSON.stringify(entry)}`);
        separator = ',';
      }
      add(separator === '{' ? '{}' : '}');
    },
    derived: (add) => add(JSON.stringify(data.derived)),
  };
}

/**
 * The one layout of the stat cache's sections after the header, handed to
 * `put` a piece at a time, in order, each piece's bytes summed into the
 * checks as it goes by; the checks last. The header that names them,
 * returned. A piece of text is encoded into one buffer, used again for the
 * next (`put` copies what it keeps).
 */
function layOut(files: number, pieces: Pieces, put: (bytes: Uint8Array) => void): Buffer {
  const checks = new UnitChecks(HEADER_BYTES);
  let text = Buffer.allocUnsafe(64 * 1024);
  let offset = HEADER_BYTES;
  const add = (piece: Piece): void => {
    let bytes = piece;
    if (typeof bytes === 'string') {
      const size = Buffer.byteLength(bytes);
      if (size > text.length) text = Buffer.allocUnsafe(Math.max(size, 2 * text.length));
      bytes = text.subarray(0, text.write(bytes, 0, size, 'utf8'));
    }
    checks.add(bytes);
    put(bytes);
    offset += bytes.length;
  };
  const sections = {} as Record<Section, [number, number]>;
  for (const name of SECTIONS) {
    if (name === 'checks') continue;
    const from = offset;
    pieces[name](add);
    sections[name] = [from, offset - from];
  }
  const sums = checks.end();
  sections.checks = [offset, sums.length];
  put(sums);
  return headerOf(files, sections, zlib.crc32(sums));
}

/**
 * Where each of paths[from..to) ends (exclusive, in bytes) in the paths
 * section when the first starts at `start`: each is followed by a NUL.
 */
function pathEnds(paths: readonly string[], from: number, to: number, start: number): Uint32Array {
  const ends = new Uint32Array(to - from);
  let at = start;
  for (let i = from; i < to; i++) {
    at += Buffer.byteLength(paths[i] as string);
    ends[i - from] = at;
    at++;
  }
  return ends;
}

function writeBytes(fd: number, bytes: Uint8Array, position: number): number {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at, position + at);
  return bytes.length;
}

/** Recorded files up to this many are looked up one by one in the loaded columns; more, in one walk. */
const LOOKUPS_MAX = 64;

/**
 * The loaded columns with the entries recorded this run (`recorded`, sorted
 * by path: RecordedFiles.sorted) over them, sorted by path. When every
 * recorded file was already listed (an edit, a touch) the loaded columns
 * are rewritten in place and returned; else new ones.
 */
export function mergeColumns(
  old: FileColumns,
  indexOf: (file: string) => number | undefined,
  recorded: FileColumns,
): FileColumns {
  const n = recorded.paths.length;
  if (n === 0) return old;
  const rows = n <= LOOKUPS_MAX ? recorded.paths.map(indexOf) : rowsIn(old.paths, recorded.paths);
  if (rows?.every((row) => row !== undefined)) {
    rows.forEach((row, k) => {
      copyRow(recorded, k, old, row as number);
    });
    return old;
  }
  return mergeSorted(old, recorded);
}

/** The row in `paths` of each of `wanted` (both sorted), or undefined when one is not there. */
function rowsIn(paths: readonly string[], wanted: readonly string[]): number[] | undefined {
  const rows: number[] = [];
  let at = 0;
  for (const file of wanted) {
    while (at < paths.length && (paths[at] as string) < file) at++;
    if (paths[at] !== file) return undefined;
    rows.push(at);
  }
  return rows;
}
