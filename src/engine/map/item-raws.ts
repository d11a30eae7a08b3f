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
    const { rawOffsets, rawLengths } = this.#manifest;
    const length = rawLengths.length === 0 ? NO_RAW : (rawLengths[i] ?? NO_RAW);
    if (length === NO_RAW) return undefined;
    const offset = rawOffsets[i] ?? 0;
    return this.#reader
      ? this.#reader.read(offset, offset + length)
      : this.#manifest.raw.subarray(offset, offset + length);
  }

  /**
   * Entries [first, first + count) as runs of raw results that lie back to
   * back in the raw dataset ([from, to) with their newlines), and each
   * entry's place in its run; entries without one are left out.
   */
  *runs(first: number, count: number): Generator<{ from: number; to: number; entries: number[] }> {
    const { rawOffsets, rawLengths } = this.#manifest;
    if (rawLengths.length === 0) return;
    let run: { from: number; to: number; entries: number[] } | undefined;
    for (let e = first; e < first + count; e++) {
      const length = rawLengths[e] ?? NO_RAW;
      if (length === NO_RAW) continue;
      const offset = rawOffsets[e] ?? 0;
      if (run && run.to === offset) {
        run.to = offset + length + 1;
        run.entries.push(e);
        continue;
      }
      if (run) yield run;
      run = { from: offset, to: offset + length + 1, entries: [e] };
    }
    if (run) yield run;
  }

  get reader(): ChunkReader | undefined {
    return this.#reader;
  }

  /** Where entry `e`'s raw result starts in the raw dataset, and its length. */
  placeOf(e: number): { offset: number; length: number } {
    return { offset: this.#manifest.rawOffsets[e] ?? 0, length: this.#manifest.rawLengths[e] ?? 0 };
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
  write(builder: ItemManifestBuilder, entry: number, raw: string | Buffer): void {
    const writer = this.#open();
    const offset = writer.offset;
    if (typeof raw === 'string') writer.writeLines(`${raw}\n`);
    else writer.writeBytes(Buffer.concat([raw, NEWLINE]));
    builder.setRaw(entry, offset, writer.offset - offset - 1);
  }

  /** Records the raw results of the old entries [first, first + count) as those of entries [start, start + count). */
  copy(builder: ItemManifestBuilder, start: number, old: OldRaws, first: number, count: number): void {
    const reader = old.reader;
    if (!reader) {
      // Format 1: the raw section is not a dataset whose chunks could be named.
      for (let k = 0; k < count; k++) {
        const raw = old.bytesOf(first + k);
        if (raw !== undefined) this.write(builder, start + k, raw);
      }
      return;
    }
    for (const { from, to, entries } of old.runs(first, count)) {
      const writer = this.#open();
      const shift = writer.offset - from;
      writer.appendFrom(reader, from, to);
      for (const e of entries) {
        const { offset, length } = old.placeOf(e);
        builder.setRaw(start + e - first, offset + shift, length);
      }
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
