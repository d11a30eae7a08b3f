// A record dataset is stored as chunks of whole JSON lines, each a blob of
// its own, named by an index blob (the dataset's hash). A rerun that keeps
// most records (a map stage with one item changed) names the chunks it
// keeps instead of copying, hashing and writing them again.
//
// The chunking depends on the content only, never on how a run wrote it:
// a line ends a chunk when it is "natural" (a hash of the line's own bytes
// falls under a threshold that grows with the line's length, so chunks
// average CHUNK_TARGET bytes), or when the chunk has reached CHUNK_MAX bytes
// ("forced"). So the same records give the same chunks and the same index
// hash, whether written in one go or pieced together from an older
// dataset, and a stage whose records did not change still stops its
// downstream stages (early cutoff). Inside a chunk no line but the last is
// natural, which is what lets a writer copy part of a chunk without
// hashing its lines again (dataset.ts).
import fs from 'node:fs';
import type { ObjectProblem } from './object-problem.js';
import type { ObjectStore } from './object-store.js';

export const CHUNK_TARGET = 256 * 1024;
export const CHUNK_MAX = 4 * CHUNK_TARGET;

/**
 * How a chunk ended: on a natural line, forced at CHUNK_MAX, at the end of
 * the dataset, or unknown: a dataset stored whole before chunking, read as
 * one chunk whose lines' naturalness was never decided.
 */
export type Cut = 'natural' | 'forced' | 'end' | 'unknown';

export interface Chunk {
  hash: string;
  /** Uncompressed bytes. */
  bytes: number;
  records: number;
  cut: Cut;
}

const MAGIC = 'runner-dataset-chunks 1\n';
const CUT_CODES: Record<Exclude<Cut, 'unknown'>, string> = { natural: 'n', forced: 'f', end: 'e' };
const CUTS: Record<string, Cut> = { n: 'natural', f: 'forced', e: 'end' };

export function encodeChunkIndex(chunks: readonly Chunk[]): Buffer {
  const rows = chunks.map((c) => [c.hash, c.bytes, c.records, CUT_CODES[c.cut as Exclude<Cut, 'unknown'>]]);
  return Buffer.from(`${MAGIC}${JSON.stringify(rows)}\n`);
}

/** The chunks an index blob lists; undefined when `data` is not an index (a dataset stored whole). */
export function decodeChunkIndex(data: Buffer): Chunk[] | undefined {
  if (data.length < MAGIC.length || data.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const rows = JSON.parse(data.toString('utf8', MAGIC.length)) as unknown;
  if (!Array.isArray(rows)) throw new Error('a dataset index that is not a list of chunks');
  return rows.map((row: unknown, i) => {
    const [hash, bytes, records, cut] = (Array.isArray(row) ? row : []) as unknown[];
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || typeof bytes !== 'number')
      throw new Error(`chunk ${i} of a dataset index is malformed`);
    return { hash, bytes, records: Number(records), cut: CUTS[String(cut)] ?? 'end' };
  });
}

/** Whether the line in bytes [start, end) (its newline excluded) ends a chunk by itself. */
export function isNatural(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  // The first 32 and last 64 bytes stand for a long line: what tells
  // records apart is in their ids and values, not in the middle of a long text.
  const headEnd = length > 96 ? start + 32 : end;
  let h = 0x811c9dc5;
  for (let i = start; i < headEnd; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  if (length > 96) for (let i = end - 64; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  h = Math.imul(h ^ length, 0x01000193);
  // murmur3's finalizer: every input bit reaches the top bits compared below.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 < Math.min(1, (length + 1) / CHUNK_TARGET) * 0x100000000;
}

/** A dataset's chunks with where each starts, for finding the chunk of a byte offset. */
export class ChunkList {
  readonly chunks: readonly Chunk[];
  readonly #starts: Float64Array;

  constructor(chunks: readonly Chunk[]) {
    this.chunks = chunks;
    this.#starts = new Float64Array(chunks.length + 1);
    chunks.forEach((chunk, i) => {
      this.#starts[i + 1] = (this.#starts[i] as number) + chunk.bytes;
    });
  }

  /** The dataset stored whole under `hash`, as one chunk (of unknown length: it covers any offset). */
  static whole(hash: string): ChunkList {
    return new ChunkList([{ hash, bytes: Number.MAX_SAFE_INTEGER, records: 0, cut: 'unknown' }]);
  }

  startOf(i: number): number {
    return this.#starts[i] as number;
  }

  /** The chunk holding byte `offset`. */
  find(offset: number): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if ((this.#starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/**
 * Reads byte ranges of a dataset through its chunks, each read whole and
 * verified; the last chunk read is kept, as ranges mostly come in order.
 */
export class ChunkReader {
  readonly #objects: ObjectStore;
  readonly list: ChunkList;
  #last: { hash: string; bytes: Buffer } | undefined;

  constructor(objects: ObjectStore, list: ChunkList) {
    this.#objects = objects;
    this.list = list;
  }

  /** Chunk `i`'s bytes; a missing or corrupt chunk throws. */
  chunk(i: number): Buffer {
    const { hash } = this.list.chunks[i] as Chunk;
    if (this.#last?.hash === hash) return this.#last.bytes;
    const read = this.#objects.readVerified(hash);
    if (!Buffer.isBuffer(read))
      throw new Error(`chunk ${hash.slice(0, 12)} of a cached dataset is ${read.kind} in the object store`);
    this.#last = { hash, bytes: read };
    return read;
  }

  /**
   * Every byte of the dataset (one stored whole, before chunking: its one
   * blob), each chunk read straight into its place in one buffer; a missing
   * or corrupt chunk throws.
   */
  all(): Buffer {
    const { chunks } = this.list;
    if (chunks.length === 1 && chunks[0]?.cut === 'unknown') return this.chunk(0);
    const whole = Buffer.allocUnsafeSlow(this.list.startOf(chunks.length));
    chunks.forEach(({ hash, bytes }, i) => {
      const problem = this.#objects.readVerifiedInto(hash, whole, this.list.startOf(i), bytes);
      if (problem)
        throw new Error(`chunk ${hash.slice(0, 12)} of a cached dataset is ${problem.kind} in the object store`);
    });
    return whole;
  }

  /** The bytes [from, to) of the dataset (a view when they lie in one chunk). */
  read(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    for (let at = from; at < to; ) {
      const i = this.list.find(at);
      const start = this.list.startOf(i);
      const bytes = this.chunk(i);
      const stop = Math.min(to, start + bytes.length);
      if (stop <= at) throw new Error(`byte ${at} lies past the end of a cached dataset`);
      parts.push(bytes.subarray(at - start, stop - start));
      at = stop;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}

/** The bytes of a piece (putPieces). */
export const PIECE_BYTES = CHUNK_TARGET;

/**
 * Bytes that are not lines (an item manifest) stored in pieces of
 * PIECE_BYTES under a chunk index, read back as a dataset's bytes are
 * (ChunkReader): bytes changed in place change only the pieces they fall
 * in, so a rerun writes those and names the others. The bytes may come in
 * parts (a manifest's header and sections), as if joined. Returns the
 * index's hash.
 */
export function putPieces(objects: ObjectStore, bytes: Uint8Array | readonly Uint8Array[]): string {
  const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const chunks: Chunk[] = [];
  // Each piece as the views of the parts it spans: the parts are never joined into one buffer.
  let part = 0;
  let within = 0;
  for (let at = 0; at < total; at += PIECE_BYTES) {
    const size = Math.min(total - at, PIECE_BYTES);
    const piece: Uint8Array[] = [];
    for (let left = size; left > 0; ) {
      const current = parts[part] as Uint8Array;
      const take = Math.min(left, current.length - within);
      if (take > 0) piece.push(current.subarray(within, within + take));
      within += take;
      left -= take;
      if (within === current.length) {
        part++;
        within = 0;
      }
    }
    const cut = at + PIECE_BYTES >= total ? 'end' : 'forced';
    chunks.push({
      hash: objects.putSound(piece.length === 1 ? (piece[0] as Uint8Array) : piece),
      bytes: size,
      records: 0,
      cut,
    });
  }
  return objects.putSound(encodeChunkIndex(chunks));
}

/**
 * The chunks of the dataset stored under `hash` (its index read whole and
 * verified); a dataset stored whole, before chunking, is one chunk.
 */
export function datasetChunks(objects: ObjectStore, hash: string): ChunkList | ObjectProblem {
  const found = objects.locate(hash);
  if (!found) return { kind: 'missing' };
  // An index is never compressed, and starts with its magic line.
  if (found.isCompressed || !startsWithMagic(found.file)) return ChunkList.whole(hash);
  const data = objects.readVerified(hash);
  if (!Buffer.isBuffer(data)) return data;
  try {
    return new ChunkList(decodeChunkIndex(data) ?? []);
  } catch (error) {
    objects.remove(hash);
    return { kind: 'corrupt', actual: (error as Error).message };
  }
}

/** The chunks named by the blob in `file` when it is a dataset's index, else none (for `cache prune`). */
export function chunksNamedIn(file: string): string[] {
  if (!startsWithMagic(file)) return [];
  try {
    return (decodeChunkIndex(fs.readFileSync(file)) ?? []).map((chunk) => chunk.hash);
  } catch {
    return [];
  }
}

function startsWithMagic(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(MAGIC.length);
    return fs.readSync(fd, head, 0, MAGIC.length, 0) === MAGIC.length && head.toString('latin1') === MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
