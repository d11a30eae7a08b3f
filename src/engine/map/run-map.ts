// Map stages: one computation per item (or per batch of items) of an
// upstream dataset or a file list, in blocks of batchSize items, driven by
// the stage's knobs:
//   batchSize    items per block: one batch call, one worker message, one
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
import type { ItemCounts } from '../../cache/state.js';
import type { ItemManifestRef } from '../../cache/state.js';
import { KEY_BYTES, keyOf, writeKey } from '../../cache/item-keys.js';
import type { JournalItem } from '../../cache/item-journal.js';
import { ParallelProcessor } from '../../perf/parallel-processor.js';
import { StreamProcessor } from '../../perf/stream-processor.js';
import { createContext, makeTempDir } from '../context.js';
import { recordLine } from '../dataset.js';
import type { DatasetWriter } from '../dataset.js';
import type { Failure } from '../events.js';
import type { ExecuteInput } from '../execute.js';
import { loadExport } from '../module-loader.js';
import { computer } from './compute.js';
import type { Compute } from './compute.js';
import { describeItem, normaliseMap, outputRecords } from './definition.js';
import type { NormalisedMap } from './definition.js';
import { fileBlocks, recordBlocks } from './item-source.js';
import type { ItemBlock, ItemSource } from './item-source.js';
import { ItemStore } from './item-store.js';
import { MemoryGate } from './limits.js';
import type { ItemResult } from './pool.js';
import { BlockOutcome, FRESH } from './block-outcome.js';
import { writeBlock } from './write-block.js';

export interface MapResult {
  items: ItemCounts;
  failure?: Failure;
  /** With an item cache: called once the stage's dataset is stored, to write the item manifest into it. */
  commit?: (dataset: { hash: string; count: number }) => Promise<ItemManifestRef>;
}

const MAX_REPORTED_FAILURES = 5;
const MAX_LOGGED_FAILURES = 50;
const PROGRESS_EVERY_MS = 100;

export async function runMap(input: ExecuteInput, signal: AbortSignal, writer: DatasetWriter): Promise<MapResult> {
  const { stage, res } = input;
  const { definition } = stage;
  if (!definition.run) throw new Error(`${stage.id} is a map stage without run:`);
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
    });
    const run = new MapRun({ input, map, store, writer, where, compute: computer({ stage, res, map, ctx, where }) });
    const result = await run.all(itemSource(input), signal);
    return store && !result.failure ? { ...result, commit: (dataset) => store.commit(dataset) } : result;
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
  readonly #where: string;
  readonly #compute: Compute;
  /** Stages whose emit() needs the current item keep each result's raw form, to emit it again. */
  readonly #keepsRaw: boolean;
  readonly #counts: ItemCounts = { total: 0, done: 0, cached: 0, failed: 0 };
  readonly #failures: { item: string; message: string }[] = [];
  /** Items of blocks processed so far (without `stream`, outputs are accepted only at the end; progress counts these). */
  readonly #settled = { items: 0, cached: 0 };
  #lastProgress = 0;

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
    this.#where = options.where;
    this.#compute = options.compute;
    this.#keepsRaw = options.map.emit !== undefined && options.map.key !== undefined;
  }

  async all(source: ItemSource, signal: AbortSignal): Promise<{ items: ItemCounts; failure?: Failure }> {
    const { definition, knobs } = this.#input.stage;
    this.#counts.total = source.total;
    const gate = knobs.maxMemoryMb !== undefined && knobs.stream ? new MemoryGate(knobs.maxMemoryMb) : undefined;
    const processBlock = async (block: ItemBlock, _index: number, blockSignal: AbortSignal): Promise<BlockOutcome> => {
      await gate?.enter(blockSignal);
      try {
        const outcome = await this.#process(block, blockSignal);
        this.#settle(outcome);
        return outcome;
      } finally {
        gate?.leave();
      }
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
        signal,
      });
      for await (const entry of processor.run(source.blocks)) {
        if (!entry.ok) throw entry.error;
        await this.#accept(entry.result);
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
      for (const outcome of results) await this.#accept(outcome);
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

  /** Reuses, looks up, or computes the items of one block. */
  async #process(block: ItemBlock, signal: AbortSignal): Promise<BlockOutcome> {
    const store = this.#store;
    if (!store) {
      const outcome = new BlockOutcome(block);
      await this.#computeInto(outcome, block, [...Array(block.count).keys()], signal);
      outcome.seal();
      return outcome;
    }
    const blockKey = keyOf(block.blockIdentity());
    const reused = store.findBlock(blockKey);
    if (reused && reused.count === block.count) {
      const outcome = new BlockOutcome(block, true);
      outcome.blockKey = blockKey;
      outcome.reused = reused;
      return outcome;
    }
    const outcome = new BlockOutcome(block);
    outcome.blockKey = blockKey;
    const keys = Buffer.allocUnsafe(block.count * KEY_BYTES);
    outcome.keys = keys;
    const key = this.#map.key;
    for (let i = 0; i < block.count; i++)
      writeKey(key ? `key\0${key(block.item(i))}` : block.itemIdentity(i), keys, i * KEY_BYTES);
    const missing: number[] = [];
    for (let i = 0; i < block.count; i++) {
      const ref = store.find(keys, i * KEY_BYTES, block.firstIndex + i);
      if (ref === FRESH) missing.push(i);
      else if (this.#keepsRaw) this.#produce(outcome, block, i, store.rawOf(ref), { isCached: true });
      else outcome.found(i, ref);
    }
    await this.#computeInto(outcome, block, missing, signal);
    const journal: JournalItem[] = [];
    for (const i of missing) {
      const out = outcome.outOf(i);
      if (out !== undefined && outcome.isRecorded(i))
        journal.push({ keys, keyOffset: i * KEY_BYTES, out, count: outcome.records[i] ?? 0, raw: outcome.raws?.[i] });
    }
    store.journal(journal);
    outcome.seal();
    return outcome;
  }

  /** Computes items `which` of the block into `outcome`. */
  async #computeInto(outcome: BlockOutcome, block: ItemBlock, which: number[], signal: AbortSignal): Promise<void> {
    const results = await this.#compute(
      which.map((i) => ({ block, i })),
      signal,
    );
    const isCaching = this.#store !== undefined;
    which.forEach((i, n) => {
      const result: ItemResult = results[n] ?? { ok: false, error: { message: 'no result' } };
      if (!result.ok) outcome.failed(i, this.#describe(block, i), result.error.message);
      else if ('json' in result) {
        let out = '';
        for (const line of result.lines) out += `${line}\n`;
        const isRecorded = isCaching && result.isCacheable !== false;
        outcome.produced(i, out, result.lines.length, {
          raw: this.#keepsRaw && isRecorded ? result.json : undefined,
          isRecorded,
          isCached: false,
        });
      } else {
        const isRecorded = isCaching && (this.#map.cacheable?.(result.value) ?? true);
        this.#produce(outcome, block, i, result.value, { isCached: false, isRecorded });
      }
    });
  }

  /**
   * Item `i`'s output lines for result `value` (a cached raw result is JSON
   * text): emit() applied, every record checked and serialized.
   */
  #produce(
    outcome: BlockOutcome,
    block: ItemBlock,
    i: number,
    value: unknown,
    options: { isCached: boolean; isRecorded?: boolean },
  ): void {
    const emit = this.#map.emit;
    try {
      const result: unknown = options.isCached ? (typeof value === 'string' ? JSON.parse(value) : null) : value;
      const output = emit ? emit(block.item(i), result) : result;
      const checked = outputRecords(output);
      if ('problem' in checked) {
        outcome.failed(i, this.#describe(block, i), `${this.#where} ${checked.problem}`);
        return;
      }
      let out = '';
      for (const record of checked.records)
        out += recordLine(record, () => `${this.#where} for ${this.#describe(block, i)}`);
      const isRecorded = options.isRecorded ?? true;
      const raw =
        this.#keepsRaw && isRecorded
          ? options.isCached
            ? (value as string)
            : (JSON.stringify(result) ?? 'null')
          : undefined;
      outcome.produced(i, out, checked.records.length, { raw, isRecorded, isCached: options.isCached });
    } catch (error) {
      if (error instanceof SyntaxError && /: (invalid JSON|is not a record)/.test(error.message)) throw error; // a malformed input record fails the stage
      outcome.failed(
        i,
        this.#describe(block, i),
        emit ? `emit: ${(error as Error).message}` : (error as Error).message,
      );
    }
  }

  /** Writes a block's outputs (in order) and records its items in the new manifest. */
  async #accept(outcome: BlockOutcome): Promise<void> {
    await writeBlock(outcome, {
      store: this.#store,
      writer: this.#writer,
      counts: this.#counts,
      fail: (item, message) => this.#fail(item, message),
    });
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
        line: `item ${item} failed: ${message}`,
      });
    }
  }

  #describe(block: ItemBlock, i: number): string {
    let item: unknown;
    try {
      item = block.item(i);
    } catch {
      item = undefined;
    }
    return describeItem(item, block.firstIndex + i);
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

function itemSource(input: ExecuteInput): ItemSource {
  const { stage, res } = input;
  const { foreach } = stage.definition;
  const size = stage.knobs.batchSize;
  if (foreach?.kind === 'files') return fileBlocks(input.foreachFiles, input.foreachHashes, size);
  const name = foreach?.kind === 'stage' ? foreach.stage : '';
  const record = input.upstream.get(name);
  if (!record?.dataset)
    throw new Error(`foreach: ${name} has no records to map over (a shell stage produces files, not records)`);
  return recordBlocks(res.objects, record.dataset, `records of ${stage.pipeline}/${name}`, size);
}
