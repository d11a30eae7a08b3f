// The stat cache on disk (.runner/stat-cache.bin): compact and quick to
// load at a million files. The file entries are columns, not JSON objects:
// paths (sorted, NUL-separated UTF-8) and where each ends (uint32), then
// [size, changedMs, inode] as float64 triples, the sha256 of each file as 32
// raw bytes, and one byte saying whether the entry was racy when recorded.
// Directory listings and derived facts stay JSON. This module writes it;
// stat-cache-image.ts reads it, a part at a time. A file that is not one of
// these, or is cut short, loads as an empty cache (the next run hashes
// again), and the reader says what is wrong with it.
import fs from 'node:fs';
import { copyRow, mergeSorted } from './recorded-files.js';
import { bytesOf } from '../util/bytes.js';
import { HASH_BYTES } from './stat-cache-types.js';

export const FAMILY = 'runner-stat-cache ';
export const MAGIC = `${FAMILY}3\n`;
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

/** The sections of the file, in the order written. */
export const SECTIONS = ['paths', 'ends', 'nums', 'hashes', 'racy', 'dirs', 'derived'] as const;
export type Section = (typeof SECTIONS)[number];

/** The header's JSON: the number of file entries, and each section's [offset, length]. */
export interface Header {
  files: number;
  sections: Record<Section, [number, number]>;
}

export function emptyColumns(): FileColumns {
  return { paths: [], nums: new Float64Array(0), hashes: Buffer.alloc(0), racy: new Uint8Array(0) };
}

/** The stat cache's bytes whole (a frame of the log): the header, then each section. */
export function encodeStatCache(data: StatCacheData): Buffer {
  const parts: Uint8Array[] = [];
  const header = layOut(data, (bytes) => {
    const piece = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    parts.push(piece);
    return piece.length;
  });
  return Buffer.concat([header, ...parts]);
}

/**
 * Writes encodeStatCache's bytes through `fd` (a new file) without making
 * its large sections whole in memory (at 100,000 files the paths were a
 * 2.3 MB string and as large a buffer, the listings 1.5 MB twice, made at
 * the end of a run, where a cold run peaks): each piece is written as it
 * is made, text through a buffer Node frees at once, the header last, over
 * the room left for it.
 */
export function writeStatCache(fd: number, data: StatCacheData): void {
  let offset = HEADER_BYTES;
  const header = layOut(data, (bytes) => {
    const size = typeof bytes === 'string' ? writeText(fd, bytes, offset) : writeBytes(fd, bytes, offset);
    offset += size;
    return size;
  });
  writeBytes(fd, header, 0);
}

function headerOf(files: number, sections: Record<Section, [number, number]>): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const text = `${MAGIC}${JSON.stringify({ files, sections } satisfies Header)}\n`;
  if (header.write(text, 0, 'utf8') < Buffer.byteLength(text)) throw new Error('stat cache header too long');
  return header;
}

/** Paths joined per piece of the paths section (about 100 KB of text, not 2.3 MB at once). */
const PATHS_A_PIECE = 4096;

/**
 * The one layout of the stat cache's sections after the header, handed to
 * `put` a piece at a time (it answers the piece's bytes): the paths and
 * the listings as text in pieces, the columns as they are in memory. The
 * header that names them, returned.
 */
function layOut(data: StatCacheData, put: (bytes: string | Uint8Array) => number): Buffer {
  const { files } = data;
  const n = files.paths.length;
  let offset = HEADER_BYTES;
  const add = (bytes: string | Uint8Array): void => {
    offset += put(bytes);
  };
  const sections = {} as Record<Section, [number, number]>;
  const section = (name: Section, write: () => void): void => {
    const from = offset;
    write();
    sections[name] = [from, offset - from];
  };
  section('paths', () => {
    for (let from = 0; from < n; from += PATHS_A_PIECE) {
      const piece = files.paths.slice(from, from + PATHS_A_PIECE).join('\0');
      add(from + PATHS_A_PIECE < n ? `${piece}\0` : piece);
    }
  });
  section('ends', () => {
    let end = -1;
    for (let from = 0; from < n; from += PATHS_A_PIECE) {
      const ends = pathEnds(files.paths, from, Math.min(n, from + PATHS_A_PIECE), end + 1);
      add(bytesOf(ends));
      end = ends.at(-1) ?? end;
    }
  });
  section('nums', () => add(bytesOf(files.nums, 3 * n)));
  section('hashes', () => add(files.hashes.subarray(0, n * HASH_BYTES)));
  section('racy', () => add(files.racy.subarray(0, n)));
  // JSON.stringify of the record, entry by entry: the same text (its keys in the same order).
  section('dirs', () => {
    let separator = '{';
    for (const [dir, entry] of Object.entries(data.dirs)) {
      add(`${separator}${JSON.stringify(dir)}:${JSON.stringify(entry)}`);
      separator = ',';
    }
    add(separator === '{' ? '{}' : '}');
  });
  section('derived', () => add(JSON.stringify(data.derived)));
  return headerOf(n, sections);
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

/** Writes `text` as UTF-8 at `position` (through a buffer Node frees at once, not one left to the collector); its byte length. */
function writeText(fd: number, text: string, position: number): number {
  const size = Buffer.byteLength(text);
  const written = fs.writeSync(fd, text, position, 'utf8');
  if (written < size) writeBytes(fd, Buffer.from(text).subarray(written), position + written);
  return size;
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
