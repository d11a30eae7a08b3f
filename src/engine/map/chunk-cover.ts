// Which upstream chunks a map stage's run covered whole. When every item of
// a chunk (read this run) got its entry, in blocks written one after
// another, the chunk's items are one run of entries in the new manifest:
// recorded as a block named after the chunk, so that the next run over an
// unchanged chunk reuses those entries without reading it (item-source.ts).
import { keyOf } from '../../cache/item-keys.js';
import type { ChunkSpan } from '../dataset-reader.js';
import type { ItemStore } from './item-store.js';
import type { BlockWritten } from './write-block.js';

export class ChunkCover {
  readonly #store: ItemStore;
  /** The chunk begun in an earlier block: where its entries start, and whether every one was recorded so far. */
  #open: { span: ChunkSpan; firstEntry: number; isWhole: boolean } | undefined;
  /** The item the next block must start at to follow on. */
  #next = 0;

  constructor(store: ItemStore) {
    this.#store = store;
  }

  /** A block of items [firstIndex, firstIndex + count), lying in `spans`, was written as `written`. */
  written(firstIndex: number, count: number, spans: readonly ChunkSpan[] | undefined, written: BlockWritten): void {
    if (firstIndex !== this.#next) this.#open = undefined;
    this.#next = firstIndex + count;
    for (const span of spans ?? []) {
      if (span.firstIndex >= firstIndex) {
        const firstEntry = written.first + span.firstIndex - firstIndex;
        this.#open = { span, firstEntry, isWhole: written.isWhole };
      } else if (this.#open?.span === span) {
        this.#open.isWhole &&= written.isWhole;
      } else {
        continue;
      }
      if (span.firstIndex + span.records > firstIndex + count) continue;
      if (this.#open.isWhole) this.#store.addBlock(keyOf(span.identity), this.#open.firstEntry, span.records);
      this.#open = undefined;
    }
  }
}
