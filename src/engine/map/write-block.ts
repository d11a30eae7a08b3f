// Writes one block of a map stage's items into the stage's dataset, in
// order, and records each item in the run's new item manifest: a reused
// block as one copy of its old bytes, fresh items in runs of one write each,
// stored entries copied from the last run's dataset or the journal.
import { KEY_BYTES } from '../../cache/item-keys.js';
import type { ItemCounts } from '../../cache/state.js';
import type { DatasetWriter } from '../dataset.js';
import { FRESH } from './block-outcome.js';
import type { BlockOutcome } from './block-outcome.js';
import type { ItemStore } from './item-store.js';

export interface BlockWriting {
  store: ItemStore | undefined;
  writer: DatasetWriter;
  /** Counted up as items are written. */
  counts: ItemCounts;
  /** A failed item, by its identity. */
  fail(item: string, message: string): void;
}

/** Where the block's entries start in the new manifest, and whether each of its items got one. */
export interface BlockWritten {
  first: number;
  isWhole: boolean;
}

export function writeBlock(outcome: BlockOutcome, into: BlockWriting): BlockWritten {
  const { blockKey, reused } = outcome;
  const { store, writer, counts } = into;
  if (reused && store && blockKey) {
    const first = store.reuseEntries(reused.first, reused.count, writer);
    store.addBlock(blockKey, first, outcome.count);
    counts.done += outcome.count;
    counts.cached += outcome.count;
    return { first, isWhole: true };
  }
  const firstEntry = store?.entries ?? 0;
  const run = new FreshRun(outcome, into);
  let isWhole = store !== undefined && outcome.keys !== undefined;
  const failures = new Map(outcome.failures.map((f) => [f.i, f]));
  for (let i = 0; i < outcome.count; i++) {
    const ref = outcome.refs[i] ?? FRESH;
    const failure = failures.get(i);
    if (ref === FRESH && !failure) {
      counts.done++;
      if (outcome.isCached(i)) counts.cached++;
      if (!outcome.isRecorded(i)) isWhole = false;
      if (outcome.isKeptOut(i)) counts.uncacheable = (counts.uncacheable ?? 0) + 1;
      run.add(i);
      continue;
    }
    run.flush();
    if (failure) {
      isWhole = false;
      into.fail(failure.item, failure.message);
      continue;
    }
    counts.done++;
    counts.cached++;
    if (store && outcome.keys) store.reuse(ref, outcome.keys, i * KEY_BYTES, writer);
  }
  run.flush();
  if (isWhole && store && blockKey) store.addBlock(blockKey, firstEntry, outcome.count);
  return { first: firstEntry, isWhole: isWhole && blockKey !== undefined };
}

/** Consecutive fresh items: one write of their bytes of the block's lines, then one manifest entry each. */
class FreshRun {
  readonly #outcome: BlockOutcome;
  readonly #into: BlockWriting;
  #items: number[] = [];
  #from = 0;
  #to = 0;

  constructor(outcome: BlockOutcome, into: BlockWriting) {
    this.#outcome = outcome;
    this.#into = into;
  }

  add(i: number): void {
    this.#items.push(i);
    this.#to += this.#outcome.bytes[i] ?? 0;
  }

  /** Writes the run so far; the next one starts after it. */
  flush(): void {
    const outcome = this.#outcome;
    const { store, writer } = this.#into;
    if (this.#items.length > 0) {
      let offset = writer.offset;
      writer.writeBytes(outcome.lines.subarray(this.#from, this.#to));
      for (const i of this.#items) {
        const bytes = outcome.bytes[i] ?? 0;
        if (store && outcome.keys && outcome.isRecorded(i))
          store.record(outcome.keys, i * KEY_BYTES, offset, bytes, outcome.records[i] ?? 0, outcome.raws?.[i]);
        offset += bytes;
      }
    }
    this.#items = [];
    this.#from = this.#to;
  }
}
