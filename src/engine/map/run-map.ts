// Map stages: one computation per item (or per batch of items) of an
// upstream dataset or a file list, in blocks of at most batchSize items
// (item-source.ts), driven by the stage's knobs:
//   batchSize    most items per block: one batch call, one worker message, one
//                journal write, and the unit an unchanged rerun reuses whole
//   concurrency  items (per-item exports) or blocks (batch exports, workers)
//                in flight
//   stream       true: blocks stream through StreamProcessor with bounded
//                buffers and their outputs are written as they finish;
//                false: ParallelProcessor's sliding window, outputs written
//                when every block is done
//   isolate      inline | worker | process (a pool shared by the run)
//   maxMemory    no new block starts while the heap is above it
//   cache.scope  item: unchanged items reuse their cached result
// Per block, in order: a block that hashes the same as one of the last run
// under this item scope is reused whole (no item is keyed or parsed); else
// each item is keyed and looked up, and only the missing ones computed.
// Failed items are reported with their identity; computed items are
// journaled as each block finishes, so a rerun after a failure, Ctrl-C or a
// kill computes only the rest.
import fs from 'node:fs';
import { keyOf } from '../../cache/item-keys.js';
import { foreachOf } from '../../config/types.js';
import type { ItemCounts } from '../../cache/state.js';
import type { ItemManifestRef } from '../../cache/state.js';
import { ParallelProcessor } from '../../perf/parallel-processor.js';
import { StreamProcessor } from '../../perf/stream-processor.js';
import { createContext, makeTempDir } from '../context.js';
import type { DatasetWriter } from '../dataset.js';
import type { Failure } from '../events.js';
import type { ExecuteInput } from '../execute.js';
import { loadExport } from '../module-loader.js';
import { computer } from './compute.js';
import type { Compute } from './compute.js';
import { normaliseMap } from './definition.js';
import type { NormalisedMap } from './definition.js';
import { fileBlocks, recordBlocks } from './item-source.js';
import type { ItemBlock, ItemSource } from './item-source.js';
import { ItemStore } from './item-store.js';
import type { BlockOutcome } from './block-outcome.js';
import { writeBlock } from './write-block.js';
import { ChunkCover } from './chunk-cover.js';
import { itemReader, noItemReader } from './item-read.js';
import type { ReadItem } from './item-read.js';
import { BlockProcessor } from './process-block.js';

export interface MapResult {
  items: ItemCounts;
  failure?: Failure;
  /** With an item cache: called once the stage's dataset is stored, to write the item manifest into it. */
  commit?: (dataset: { hash: string; count: number }, scope?: string) => Promise<ItemManifestRef>;
}

const MAX_REPORTED_FAILURES = 5;
const MAX_LOGGED_FAILURES = 50;
const PROGRESS_EVERY_MS = 100;

export async function runMap(input: ExecuteInput, signal: AbortSignal, writer: DatasetWriter): Promise<MapResult> {
  const { stage, res } = input;
  const { definition } = stage;
  if (definition.kind !== 'map') throw new Error(`${stage.id} is not a map stage`);
  const where = `${definition.run.module}#${definition.run.exportName}`;
  const map = normaliseMap(await loadExport(res.root, definition.run.module, definition.run.exportName), where);
  const tmp = makeTempDir(res, stage);
  const store =
    definition.cache.scope === 'item' && !input.isNoCache && input.itemScope !== undefined
      ? await ItemStore.open({
          res,
          pipeline: stage.pipeline,
          stage: stage.name,
          scope: input.itemScope,
          previous: input.previousItems,
          isReading: !input.isForced,
          ttlMs: definition.cache.ttlMs,
        })
      : undefined;
  try {
    const ctx = createContext({
      stage,
      inputs: input.inputs,
      upstream: input.upstream,
      signal,
      res,
      tmp,
      onProgress: () => {},
      read: readerOf(input),
      code: input.code,
    });
    const run = new MapRun({
      input,
      map,
      store,
      writer,
      where,
      compute: computer({ stage, res, map, ctx, where, stall: input.stall }),
    });
    const result = await run.all(itemSource(input, store), signal);
    return store && !result.failure ? { ...result, commit: (dataset, scope) => store.commit(dataset, scope) } : result;
  } finally {
    store?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

class MapRun {
  readonly #input: ExecuteInput;
  readonly #map: NormalisedMap;
  readonly #store: ItemStore | undefined;
  readonly #writer: DatasetWriter;
  readonly #blocks: BlockProcessor;
  readonly #counts: ItemCounts = { total: 0, done: 0, cached: 0, failed: 0 };
  readonly #failures: { item: string; message: string }[] = [];
  /** Items of blocks processed so far (without `stream`, outputs are accepted only at the end; progress counts these). */
  readonly #settled = { items: 0, cached: 0 };
  #lastProgress = 0;
  readonly #cover: ChunkCover | undefined;
  /** Blocks done beyond #doneThrough (their first item to the end of their last), and every item before it done. */
  readonly #doneBlocks = new Map<number, number>();
  #doneThrough = 0;

  constructor(options: {
    input: ExecuteInput;
    map: NormalisedMap;
    store: ItemStore | undefined;
    writer: DatasetWriter;
    where: string;
    compute: Compute;
  }) {
    this.#input = options.input;
    this.#map = options.map;
    this.#store = options.store;
    this.#writer = options.writer;
    this.#cover = options.store && new ChunkCover(options.store);
    const { res, stage } = options.input;
    // An in-place stage's items are keyed by their files as it leaves them (engine/fixpoint.ts).
    const hashOf = stage.definition.cache.isInPlace ? (file: string) => res.stats.hash(file) : undefined;
    this.#blocks = new BlockProcessor({ ...options, hashOf });
  }

  async all(source: ItemSource, signal: AbortSignal): Promise<{ items: ItemCounts; failure?: Failure }> {
    const { definition, knobs } = this.#input.stage;
    this.#counts.total = source.total;
    const processBlock = async (block: ItemBlock, _index: number, blockSignal: AbortSignal): Promise<BlockOutcome> => {
      const outcome = await this.#blocks.process(block, blockSignal);
      this.#settle(outcome);
      this.#doneWith(block);
      return outcome;
    };
    const concurrency =
      this.#map.isBatch || knobs.isolate !== 'inline'
        ? knobs.concurrency
        : Math.ceil(knobs.concurrency / knobs.batchSize) + 1;
    if (knobs.stream) {
      const processor = new StreamProcessor<ItemBlock, BlockOutcome>(processBlock, {
        maxConcurrency: concurrency,
        bufferSize: Math.max(2, concurrency),
        ordered: definition.ordered,
        maxMemory: knobs.maxMemoryMb,
        signal,
      });
      for await (const entry of processor.run(source.blocks)) {
        if (!entry.ok) throw entry.error;
        this.#accept(entry.result);
      }
    } else {
      // The sliding window pulls blocks as it goes (intake bounded by
      // concurrency + one refill); the outputs are written when all are done.
      const processor = new ParallelProcessor<ItemBlock, BlockOutcome>(processBlock, {
        concurrency,
        batchSize: concurrency,
        maxMemory: knobs.maxMemoryMb,
        signal,
      });
      const { results, errors } = await processor.process(source.blocks);
      if (errors[0]) throw errors[0].error;
      for (const outcome of results) this.#accept(outcome);
    }
    this.#counts.total = this.#counts.done + this.#counts.failed;
    this.#progress(true);
    if (this.#counts.failed > 0)
      return {
        items: this.#counts,
        failure: { kind: 'items-failed', failed: this.#counts.failed, first: this.#failures },
      };
    return { items: this.#counts };
  }

  /** Writes a block's outputs (in order) and records its items in the new manifest. */
  #accept(outcome: BlockOutcome): void {
    const written = writeBlock(outcome, {
      store: this.#store,
      writer: this.#writer,
      counts: this.#counts,
      fail: (item, message) => this.#fail(item, message),
    });
    this.#cover?.written(outcome.firstIndex, outcome.count, outcome.spans, written);
    this.#progress(false);
  }

  #fail(item: string, message: string): void {
    const { stage, res } = this.#input;
    this.#counts.failed++;
    if (this.#failures.length < MAX_REPORTED_FAILURES) this.#failures.push({ item, message });
    if (this.#counts.failed <= MAX_LOGGED_FAILURES) {
      res.emit({
        event: 'stage:log',
        pipeline: stage.pipeline,
        stage: stage.name,
        stream: 'stderr',
        // `item id=a1 failed`, and `item #7 failed` (not `item item #7`) for an item named by its position.
        line: `${item.startsWith('item ') ? item : `item ${item}`} failed: ${message}`,
      });
    }
  }

  /** A block's items are done: once every item before them is too, the files' kept bytes can go (ctx.read). */
  #doneWith(block: ItemBlock): void {
    const kept = this.#input.keptFiles;
    if (!kept) return;
    this.#doneBlocks.set(block.firstIndex, block.firstIndex + block.count);
    let end = this.#doneBlocks.get(this.#doneThrough);
    if (end === undefined) return;
    for (; end !== undefined; end = this.#doneBlocks.get(this.#doneThrough)) {
      this.#doneBlocks.delete(this.#doneThrough);
      this.#doneThrough = end;
    }
    kept.release(this.#doneThrough);
  }

  /** Counts a processed block; without `stream`, reports progress by these counts. */
  #settle(outcome: BlockOutcome): void {
    this.#settled.items += outcome.count;
    this.#settled.cached += outcome.cachedCount;
    if (!this.#input.stage.knobs.stream) this.#progress(false);
  }

  #progress(isFinal: boolean): void {
    const now = Date.now();
    if (!isFinal && now - this.#lastProgress < PROGRESS_EVERY_MS) return;
    this.#lastProgress = now;
    const counts = this.#counts;
    if (!isFinal && !this.#input.stage.knobs.stream)
      this.#input.onProgress(this.#settled.items, counts.total, this.#settled.cached);
    else this.#input.onProgress(counts.done + counts.failed, counts.total, counts.cached);
  }
}

/** ctx.read for the stage's items: their files, from the bytes the hash pass kept when it kept them. */
function readerOf(input: ExecuteInput): ReadItem {
  const { stage, res } = input;
  const foreach = foreachOf(stage.definition);
  if (foreach?.kind !== 'files')
    return noItemReader(stage.id, `its items are records of ${foreach?.stage ?? 'no stage'}`);
  return itemReader({
    root: res.root,
    stage: stage.id,
    files: input.foreachFiles,
    hashes: input.foreachHashes,
    kept: input.keptFiles,
    vouched: (file, st) => res.stats.freshHash(file, st),
  });
}

function itemSource(input: ExecuteInput, store: ItemStore | undefined): ItemSource {
  const { stage, res } = input;
  const foreach = foreachOf(stage.definition);
  const size = stage.knobs.batchSize;
  if (foreach?.kind === 'files') return fileBlocks(input.foreachFiles, input.foreachHashes, size, input.hashesThrough);
  const name = foreach?.kind === 'stage' ? foreach.stage : '';
  const record = input.upstream.get(name);
  if (!record?.dataset)
    throw new Error(`foreach: ${name} has no records to map over (a shell stage produces files, not records)`);
  const known = store && ((identity: string, records: number) => store.findBlock(keyOf(identity))?.count === records);
  return recordBlocks(res.objects, record.dataset, `${stage.pipeline}/${name}`, size, known);
}
