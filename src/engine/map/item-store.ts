// The item cache of one map stage run (`cache: { scope: item }`). It reads
// the item manifest of the last finished run under the same item scope
// (the stage key without its items) and that run's dataset, which holds
// every cached item's output lines; it journals what this run computes as
// it goes; and, when the run finishes, it writes this run's manifest, which
// points into this run's dataset. Nothing is stored per item in the cache
// store: one `items:<scope>` entry names the manifest blob, so a shared
// store (Redis) serves a stage's items to another machine as that blob and
// the chunks of its datasets.
import fs from 'node:fs';
import path from 'node:path';
import { KEY_BYTES, KeyFilter, KeyTable } from '../../cache/item-keys.js';
import { ChunkList, ChunkReader, putPieces } from '../../cache/dataset-chunks.js';
import { ItemJournal } from '../../cache/item-journal.js';
import type { JournalItem } from '../../cache/item-journal.js';
import { ItemManifest, ItemManifestBuilder, itemsKey } from '../../cache/item-manifest.js';
import type { ItemsEntry } from '../../cache/item-manifest.js';
import type { DatasetRecord, ItemManifestRef } from '../../cache/state.js';
import { sha256 } from '../../util/hash.js';
import type { DatasetWriter } from '../dataset.js';
import type { Resources } from '../resources.js';
import { messageOf } from '../../util/errors.js';
import { OldRaws, RawsWriter } from './item-raws.js';

export interface ItemStoreOptions {
  res: Resources;
  pipeline: string;
  stage: string;
  scope: string;
  /** The manifest named by the stage's last record here. */
  previous?: ItemManifestRef;
  /** false (--force): compute every item, but still record them. */
  isReading: boolean;
  ttlMs?: number;
}

const MISS = -1;

export class ItemStore {
  readonly #options: ItemStoreOptions;
  readonly #journal: ItemJournal;
  readonly #old: OldRun | undefined;
  readonly #builder: ItemManifestBuilder;
  readonly #raws: RawsWriter;
  /** Journal entries that were there when the run began (the rest are this run's). */
  readonly #journaled: number;
  #entryFilter: KeyFilter | undefined;
  #entryTable: KeyTable | undefined;
  #blockTable: KeyTable | undefined;
  #journalTable: KeyTable | undefined;

  private constructor(options: ItemStoreOptions, journal: ItemJournal, old: OldRun | undefined) {
    this.#options = options;
    this.#journal = journal;
    this.#old = old;
    this.#builder = new ItemManifestBuilder(old?.manifest.entries);
    this.#raws = new RawsWriter(options.res.objects);
    this.#journaled = journal.entries;
  }

  static async open(options: ItemStoreOptions): Promise<ItemStore> {
    const file = journalFile(options.res.stateDir, `${options.pipeline}/${options.stage}`, options.scope);
    if (!options.isReading) fs.rmSync(file, { force: true });
    const journal = new ItemJournal(file);
    if (journal.droppedBytes > 0) {
      warn(
        options,
        `the item journal ended in ${journal.droppedBytes} bytes cut short or corrupt (a run was killed, or its disk filled up, while writing); those items are computed again`,
      );
    }
    const old = options.isReading ? await loadOldRun(options) : undefined;
    return new ItemStore(options, journal, old);
  }

  /** Entries of the last run's manifest that a block with key `key` covers; undefined when no such block. */
  findBlock(key: Buffer): { first: number; count: number } | undefined {
    const manifest = this.#old?.manifest;
    if (!manifest || manifest.blocks === 0) return undefined;
    this.#blockTable ??= new KeyTable(manifest.blockKeys, manifest.blocks);
    const j = this.#blockTable.find(key, 0);
    if (j === MISS) return undefined;
    return { first: manifest.blockRanges[2 * j] ?? 0, count: manifest.blockRanges[2 * j + 1] ?? 0 };
  }

  /**
   * The cached result of the item whose key is at `offset` in `keys`: an
   * entry of the last manifest (>= 0), of the journal (<= -2), or MISS (-1).
   * `hint`: the entry the item probably is (its position in the input, as
   * the last run listed entries in input order), tried before the table of
   * every entry, which is built only once an item that misses its hint may
   * be among the entries (KeyFilter): an item new since the last run is
   * told from the filter alone.
   */
  find(keys: Buffer, offset: number, hint = -1): number {
    const manifest = this.#old?.manifest;
    if (manifest && hint >= 0 && hint < manifest.entries) {
      const at = hint * KEY_BYTES;
      if (manifest.keys.compare(keys, offset, offset + KEY_BYTES, at, at + KEY_BYTES) === 0) return hint;
    }
    if (manifest && manifest.entries > 0) {
      this.#entryFilter ??= new KeyFilter(manifest.keys, manifest.entries);
      if (this.#entryTable !== undefined || this.#entryFilter.mayHave(keys, offset)) {
        this.#entryTable ??= new KeyTable(manifest.keys, manifest.entries);
        const entry = this.#entryTable.find(keys, offset);
        if (entry !== MISS) return entry;
      }
    }
    if (this.#journaled > 0) {
      this.#journalTable ??= new KeyTable(this.#journal.keys, this.#journaled);
      const entry = this.#journalTable.find(keys, offset);
      if (entry !== MISS) return -2 - entry;
    }
    return MISS;
  }

  /** The raw result kept for a found entry (stages whose emit needs the current item). */
  rawOf(ref: number): string | undefined {
    return ref >= 0 ? this.#old?.raws.bytesOf(ref)?.toString('utf8') : this.#journal.raw(-2 - ref);
  }

  /** Journals computed items (one write); they are this run's from now on, even if it is killed. */
  journal(items: readonly JournalItem[]): void {
    this.#journal.append(items);
  }

  /** Writes the outputs of the last manifest's entries [first, first + count) and records them; returns the first new entry. */
  reuseEntries(first: number, count: number, writer: DatasetWriter): number {
    const old = this.#old;
    if (!old) throw new Error('no manifest to reuse entries of');
    const { manifest, chunks, raws } = old;
    const firstNew = this.#builder.entries;
    let e = first;
    const end = first + count;
    while (e < end) {
      // A run of entries whose outputs lie back to back is one append.
      const runStart = e;
      const from = manifest.outOffsets[e] ?? 0;
      let to = from + (manifest.outLengths[e] ?? 0);
      for (e++; e < end && manifest.outOffsets[e] === to; e++) to += manifest.outLengths[e] ?? 0;
      const base = writer.offset;
      writer.appendFrom(chunks, from, to);
      this.#builder.addFrom(manifest, runStart, e - runStart, base - from);
    }
    this.#raws.copy(this.#builder, firstNew, raws, first, count);
    return firstNew;
  }

  /** Writes a found entry's outputs (see find) under the key at `keyOffset` of `keys`; returns the new entry. */
  reuse(ref: number, keys: Buffer, keyOffset: number, writer: DatasetWriter): number {
    const base = writer.offset;
    if (ref >= 0) {
      const old = this.#old;
      if (!old) throw new Error('no manifest to reuse an entry of');
      const { manifest } = old;
      const offset = manifest.outOffsets[ref] ?? 0;
      const length = manifest.outLengths[ref] ?? 0;
      writer.appendFrom(old.chunks, offset, offset + length);
      const entry = this.#builder.add(keys, keyOffset, base, length, manifest.outCounts[ref] ?? 0);
      this.#raws.copy(this.#builder, entry, old.raws, ref, 1);
      return entry;
    }
    const j = -2 - ref;
    const bytes = this.#journal.output(j);
    writer.writeBytes(bytes);
    return this.record(keys, keyOffset, base, bytes.length, this.#journal.outputCount(j), this.#journal.raw(j));
  }

  /** Records an item whose output lines were written at [offset, offset + length) of this run's dataset; returns its entry. */
  record(
    keys: Buffer,
    keyOffset: number,
    offset: number,
    length: number,
    count: number,
    raw?: Uint8Array | string,
  ): number {
    const entry = this.#builder.add(keys, keyOffset, offset, length, count);
    if (raw !== undefined) this.#raws.write(this.#builder, entry, raw);
    return entry;
  }

  /** The number of entries recorded so far (the index the next one gets). */
  get entries(): number {
    return this.#builder.entries;
  }

  /** Records that this run's entries [first, first + count) are the items of the block with key `key`. */
  addBlock(key: Buffer, first: number, count: number): void {
    this.#builder.addBlock(key, first, count);
  }

  /**
   * The run finished and its dataset is stored: writes its manifest, names it
   * under the scope (an in-place stage's: that of its files as it left them),
   * drops the journal.
   */
  async commit(dataset: DatasetRecord, scope = this.#options.scope): Promise<ItemManifestRef> {
    const { res, ttlMs } = this.#options;
    const raws = await this.#raws.finish();
    // In pieces: a rerun that changed a few items writes the pieces their entries are in, not the whole manifest.
    const manifest = putPieces(res.objects, this.#builder.encodeParts(dataset.hash, raws));
    const entry: ItemsEntry = { manifest, dataset: dataset.hash, ...(raws ? { raws } : {}), at: res.now() };
    // Every blob the entry names goes first (the dataset too, which keepRecord
    // would send only after the entry): whoever finds the entry in a shared
    // store finds its blobs, even if this run or the store stops in between.
    const blobs = [dataset.hash, manifest, ...(raws ? [raws] : [])].flatMap((hash) => res.datasetBlobs(hash));
    await res.shareBlobs(blobs, ttlMs);
    await (await res.store())?.set(itemsKey(scope), entry, ttlMs);
    this.#journal.remove();
    // Journals of this stage under other scopes belong to runs whose code or
    // params are gone; their items are recomputed if those ever come back.
    // (None at all when no item was computed: a stage over no items never made the directory.)
    const dir = path.dirname(this.#journal.file);
    const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    for (const name of names) fs.rmSync(path.join(dir, name), { force: true });
    return { scope, manifest };
  }

  /** Releases files; the journal stays for the next run unless commit() removed it. */
  close(): void {
    this.#journal.close();
  }
}

interface OldRun {
  manifest: ItemManifest;
  /** Over the chunks of the dataset the manifest points into, every one here and sound. */
  chunks: ChunkReader;
  raws: OldRaws;
}

async function loadOldRun(options: ItemStoreOptions): Promise<OldRun | undefined> {
  const { res, scope, previous } = options;
  const named =
    previous?.scope === scope ? previous.manifest : (await res.lookup<ItemsEntry>(itemsKey(scope)))?.manifest;
  if (typeof named !== 'string') return undefined;
  if (!(await res.hasBlob(named))) {
    warn(options, `its item manifest ${named.slice(0, 12)} ${res.missingBlob(named)}; every item is computed again`);
    return undefined;
  }
  // The index of its pieces and every piece, fetched from a shared store when they are not here (a manifest
  // written whole, by an older runner, is one piece).
  const pieces = await res.soundRecords(named);
  let manifest: ItemManifest;
  try {
    if (!(pieces instanceof ChunkList))
      throw new Error(pieces.kind === 'missing' ? 'a piece of it is gone' : 'it is corrupt and was removed');
    manifest = ItemManifest.decode(new ChunkReader(res.objects, pieces).all());
  } catch (error) {
    res.objects.remove(named);
    warn(
      options,
      `its item manifest ${named.slice(0, 12)} could not be read (${messageOf(error)}); every item is computed again`,
    );
    return undefined;
  }
  const chunks = await soundChunks(options, manifest.dataset, 'its cached items are in');
  if (!chunks) return undefined;
  let rawChunks: ChunkReader | undefined;
  if (manifest.raws !== undefined) {
    rawChunks = await soundChunks(options, manifest.raws, "of its cached items' raw results");
    if (!rawChunks) return undefined;
  }
  return { manifest, chunks, raws: new OldRaws(manifest, rawChunks) };
}

/**
 * A reader over the chunks of a dataset an old manifest points into, or
 * undefined (with a warning) when one is gone or corrupt. Chunks are named
 * by the new datasets without being read: each must be here and sound now
 * (read only when its stat changed since it was written or verified).
 */
async function soundChunks(options: ItemStoreOptions, hash: string, what: string): Promise<ChunkReader | undefined> {
  const { res } = options;
  const chunks = await res.soundRecords(hash);
  if (chunks instanceof ChunkList) return new ChunkReader(res.objects, chunks);
  const state = chunks.kind === 'missing' ? 'is not in the object store' : 'was corrupt and has been removed';
  warn(options, `the dataset ${hash.slice(0, 12)} ${what} ${state}; every item is computed again`);
  return undefined;
}

function warn(options: ItemStoreOptions, message: string): void {
  options.res.emit({ event: 'warning', pipeline: options.pipeline, stage: options.stage, message });
}

/** Where a stage's journal for one item scope lives. */
export function journalFile(stateDir: string, stageId: string, scope: string): string {
  return path.join(stateDir, 'items', sha256(stageId).slice(0, 16), `${scope}.journal`);
}
