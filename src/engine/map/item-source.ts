// The items of a map stage, in blocks of at most batchSize: the files matched by
// `foreach.files` (with the content hashes the stage key was built from), or
// the records of an upstream dataset, kept as the bytes they were stored as.
// A block can name itself (blockIdentity) and each of its items
// (itemIdentity) without parsing anything: an unchanged block of a rerun is
// recognised from its bytes alone, and only the items of changed blocks are
// ever decoded.
import type { JsonRecord } from '../../api.js';
import type { ObjectStore } from '../../cache/object-store.js';
import type { DatasetRecord } from '../../cache/state.js';
import { ChunkList, datasetChunks } from '../../cache/dataset-chunks.js';
import { fileHash, inputLine, ListText, listedHash } from '../../cache/list-text.js';
import type { FileHashes } from '../../cache/list-text.js';
import { BlockBuilder, LostRecordsError, readChunk, readDatasetBlocks } from '../dataset-reader.js';
import type { ChunkSpan } from '../dataset-reader.js';

export interface ItemBlock {
  /** Position of the block's first item in the stage's input. */
  firstIndex: number;
  count: number;
  /** What the block is: its items' identities, in order. */
  blockIdentity(): string | Uint8Array;
  /** What item `i` of the block is, for its cache key. */
  itemIdentity(i: number): string | Uint8Array;
  /** Item `i` as JSON text (as a worker receives it). */
  itemText(i: number): string;
  /** Item `i` parsed; throws a SyntaxError naming the dataset and line when it is not a record. */
  item(i: number): JsonRecord;
  /** Every item, parsed at once (where that is cheaper than one by one). */
  records?(): JsonRecord[];
  /**
   * Every item as its JSON line, each ending in a newline, as UTF-8, at once
   * (where that is cheaper than one by one): a copy in memory from `memory`,
   * which a pool may transfer to a worker thread.
   */
  lines?(memory?: (size: number) => Uint8Array): Uint8Array;
  /** Records: the chunks of the upstream dataset the block's items lie in. */
  spans?: readonly ChunkSpan[];
  /**
   * Item `i` as its file is now (a file item; an in-place stage may have
   * edited it), with its identity; undefined when the file is unchanged.
   */
  itemAsLeft?(
    i: number,
    hashOf: (file: string) => string | undefined,
  ): { item: JsonRecord; identity: string } | undefined;
}

export interface ItemSource {
  blocks: AsyncIterable<ItemBlock>;
  total: number;
}

/**
 * Files matched by `foreach.files`, with the content hashes the stage key
 * was built from (undefined: missing; or the key's list text, which holds
 * exactly these files); `through(n)`, when they are still being read,
 * reads the first n before a block takes them. The blocks are cut where
 * the files' paths say (fileBlockSize), so a file added or removed changes the
 * block it falls in, not every block after it.
 */
export function fileBlocks(
  files: readonly string[],
  hashes: FileHashes,
  size: number,
  through?: (n: number) => void,
): ItemSource {
  return {
    total: files.length,
    blocks: (async function* () {
      for (let first = 0; first < files.length; ) {
        const count = fileBlockSize(files, size, first);
        through?.(first + count);
        yield new FileBlock(files, hashes, first, count);
        first += count;
      }
    })(),
  };
}

/**
 * How many files the block starting at `first` holds: at least half of
 * `size` (rounded up), then up to and including the first file whose
 * path's hash divides by `size - least + 1` (a chance in that many a
 * file), and never more than `size`. So where a block ends depends on the
 * paths near it, not on how many files come before it: a file added or
 * removed changes its own block and, until a block ends by its paths
 * again, the next few (two on average in test/engine/file-cuts.test.ts,
 * a dozen at worst), where fixed blocks of `size` would all shift after
 * it. Blocks hold about 0.8 of `size` on average.
 */
export function fileBlockSize(files: readonly string[], size: number, first: number): number {
  const least = Math.ceil(size / 2);
  const spread = size - least + 1;
  const most = Math.min(size, files.length - first);
  for (let count = least; count < most; count++)
    if (pathHash(files[first + count - 1] ?? '') % spread === 0) return count;
  return most;
}

/** FNV-1a of a path's UTF-16 code units: spread enough to cut blocks by, and cheap (no bytes made). */
function pathHash(file: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A block of files. Its identity is its files' lines of the input list
 * text (`hash path`, list-text.ts): read from that text when the key holds
 * it, else written from the hashes, the same bytes either way.
 */
class FileBlock implements ItemBlock {
  readonly #files: readonly string[];
  readonly #hashes: FileHashes;
  readonly firstIndex: number;
  readonly count: number;

  constructor(files: readonly string[], hashes: FileHashes, first: number, count: number) {
    this.#files = files;
    this.#hashes = hashes;
    this.firstIndex = first;
    this.count = count;
  }

  blockIdentity(): string | Uint8Array {
    if (this.#hashes instanceof ListText) return this.#hashes.lines(this.firstIndex, this.count);
    let text = '';
    for (let at = this.firstIndex; at < this.firstIndex + this.count; at++)
      text += inputLine(this.#files[at] ?? '', fileHash(this.#hashes, at));
    return text;
  }

  itemIdentity(i: number): string {
    const at = this.firstIndex + i;
    return `${this.#files[at] ?? ''}\0${fileHash(this.#hashes, at)}`;
  }

  itemAsLeft(
    i: number,
    hashOf: (file: string) => string | undefined,
  ): { item: JsonRecord; identity: string } | undefined {
    const at = this.firstIndex + i;
    const file = this.#files[at] ?? '';
    // A file the stage removed is keyed as missing, as the stage key has it.
    const hash = listedHash(hashOf(file));
    if (hash === fileHash(this.#hashes, at)) return undefined;
    return { item: { path: file, hash }, identity: `${file}\0${hash}` };
  }

  itemText(i: number): string {
    return JSON.stringify(this.item(i));
  }

  item(i: number): JsonRecord {
    const at = this.firstIndex + i;
    return { path: this.#files[at] ?? '', hash: fileHash(this.#hashes, at) };
  }
}

/**
 * The records of stage `producer`'s dataset, in blocks of `size` lines. A
 * chunk whose items the last run covered whole (`known`, asked with the
 * chunk's identity and record count) is not read: it is one block that only
 * names itself, reused whole; the blocks around it stop at its edges.
 */
export function recordBlocks(
  objects: ObjectStore,
  dataset: DatasetRecord,
  producer: string,
  size: number,
  known?: (identity: string, records: number) => boolean,
): ItemSource {
  return { total: dataset.count, blocks: chunkBlocks(objects, dataset, producer, size, known) };
}

async function* chunkBlocks(
  objects: ObjectStore,
  dataset: DatasetRecord,
  producer: string,
  size: number,
  known: ((identity: string, records: number) => boolean) | undefined,
): AsyncGenerator<ItemBlock> {
  const chunks = datasetChunks(objects, dataset.hash);
  if (!(chunks instanceof ChunkList)) throw new LostRecordsError(producer, chunks.kind);
  if (chunks.chunks.some((chunk) => chunk.cut === 'unknown')) {
    yield* readDatasetBlocks(objects, dataset, producer, size);
    return;
  }
  const blocks = new BlockBuilder(`records of ${producer}`);
  let firstIndex = 0;
  for (const { hash, records } of chunks.chunks) {
    const span: ChunkSpan = { identity: `chunk\0${hash}`, firstIndex, records };
    firstIndex += records;
    if (known?.(span.identity, records)) {
      const partial = blocks.take();
      if (partial) yield partial;
      yield new KnownChunk(span);
      blocks.skipTo(firstIndex);
      continue;
    }
    yield* blocks.add(readChunk(objects, hash, producer), size, span);
  }
  const last = blocks.take();
  if (last) yield last;
}

/** A chunk of records whose items the last run covered whole: reused by its name, never read. */
class KnownChunk implements ItemBlock {
  readonly firstIndex: number;
  readonly count: number;
  readonly #identity: string;

  constructor(span: ChunkSpan) {
    this.#identity = span.identity;
    this.firstIndex = span.firstIndex;
    this.count = span.records;
  }

  blockIdentity(): string {
    return this.#identity;
  }

  itemIdentity(): never {
    return this.#unread();
  }

  itemText(): never {
    return this.#unread();
  }

  item(): never {
    return this.#unread();
  }

  #unread(): never {
    throw new Error(`the items of ${this.#identity.slice(6, 18)} were not read: the chunk is reused whole`);
  }
}
