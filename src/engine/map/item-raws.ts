// The raw results an item cache keeps for stages whose emit() must see the
// current item: one JSON line per entry in a dataset of their own, stored in
// chunks like the stage's records. A rerun names the chunks of the last
// run's raw results that it keeps, instead of writing them all again inside
// a new manifest.
import type { ChunkReader } from '../../cache/dataset-chunks.js';
import type { ItemManifest, ItemManifestBuilder } from '../../cache/item-manifest.js';
import { NO_RAW } from '../../cache/item-manifest.js';
import type { ObjectStore } from '../../cache/object-store.js';
import { DatasetWriter } from '../dataset.js';

const NEWLINE = Buffer.from('\n');

/** The last run's raw results: its raw dataset, or the raw section of a manifest of format 1. */
export class OldRaws {
  readonly #manifest: ItemManifest;
  readonly #reader: ChunkReader | undefined;

  /** `reader`: over the manifest's raw dataset, when it names one. */
  constructor(manifest: ItemManifest, reader: ChunkReader | undefined) {
    this.#manifest = manifest;
    this.#reader = reader;
  }

  /** Entry `i`'s raw result as the bytes of its JSON text, or undefined when it has none. */
  bytesOf(i: number): Buffer | undefined {
    const place = this.placeOf(i);
    if (!place) return undefined;
    const { offset, length } = place;
    return this.#reader
      ? this.#reader.read(offset, offset + length)
      : this.#manifest.raw.subarray(offset, offset + length);
  }

  /** Where entry `i`'s raw result starts (raw dataset, or format 1's section) and its length; undefined: none. */
  placeOf(i: number): { offset: number; length: number } | undefined {
    const { rawOffsets, rawLengths } = this.#manifest;
    const length = rawLengths.length === 0 ? NO_RAW : (rawLengths[i] ?? NO_RAW);
    return length === NO_RAW ? undefined : { offset: rawOffsets[i] ?? 0, length };
  }

  get reader(): ChunkReader | undefined {
    return this.#reader;
  }
}

/** This run's raw results, written as entries are recorded; a dataset only once there is one. */
export class RawsWriter {
  readonly #objects: ObjectStore;
  #writer: DatasetWriter | undefined;

  constructor(objects: ObjectStore) {
    this.#objects = objects;
  }

  /** Records `raw` (JSON text, one line) as entry `entry`'s raw result. */
  write(builder: ItemManifestBuilder, entry: number, raw: string | Uint8Array): void {
    const writer = this.#open();
    const offset = writer.offset;
    if (typeof raw === 'string') writer.writeLines(`${raw}\n`);
    else {
      writer.writeBytes(raw);
      writer.writeBytes(NEWLINE);
    }
    builder.setRaw(entry, offset, writer.offset - offset - 1);
  }

  /**
   * Records the raw results of the old entries [first, first + count) as
   * those of entries [start, start + count): one range of the old raw
   * dataset each, which the writer joins with the next when they follow on
   * and names by chunk (format 1's raw section is written again).
   */
  copy(builder: ItemManifestBuilder, start: number, old: OldRaws, first: number, count: number): void {
    const reader = old.reader;
    for (let k = 0; k < count; k++) {
      const place = old.placeOf(first + k);
      if (!place) continue;
      if (!reader) {
        this.write(builder, start + k, old.bytesOf(first + k) as Buffer);
        continue;
      }
      const writer = this.#open();
      const offset = writer.offset;
      writer.appendFrom(reader, place.offset, place.offset + place.length + 1);
      builder.setRaw(start + k, offset, place.length);
    }
  }

  /** Stores the raw dataset; its hash, or undefined when no entry had a raw result. */
  async finish(): Promise<string | undefined> {
    return this.#writer ? (await this.#writer.finish()).hash : undefined;
  }

  #open(): DatasetWriter {
    this.#writer ??= new DatasetWriter(this.#objects);
    return this.#writer;
  }
}
