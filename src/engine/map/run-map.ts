// Map stages: one computation per item (or per batch of items) of an
// upstream dataset or a file list, driven by the stage's knobs:
//   batchSize    items per dispatch: one batch call, one worker message, one
//                item-cache round trip
//   concurrency  items (per-item exports) or batches (batch exports, workers)
//                in flight
//   stream       true: items stream through StreamProcessor with bounded
//                buffers; false: the whole input is loaded, then processed by
//                ParallelProcessor
//   isolate      inline | worker | process (a pool shared by the run)
//   maxMemory    no new batch starts while the heap is above it
//   cache.scope  item: unchanged items reuse their cached result
// Failed items are reported with their identity; finished items stay cached,
// so a rerun after a failure or an interruption computes only the rest.
import fs from 'node:fs';
import type { ItemContext, JsonRecord } from '../../api.js';
import type { ItemCounts } from '../../cache/state.js';
import { ParallelProcessor } from '../../perf/parallel-processor.js';
import { StreamProcessor } from '../../perf/stream-processor.js';
import { createContext, makeTempDir } from '../context.js';
import { readDatasetLines } from '../dataset.js';
import type { DatasetWriter } from '../dataset.js';
import type { Failure } from '../events.js';
import type { ExecuteInput } from '../execute.js';
import { loadExport } from '../module-loader.js';
import { batchAnswerProblem, describeItem, ensureSetup, normaliseMap, outputRecords } from './definition.js';
import type { NormalisedMap } from './definition.js';
import { ItemCache } from './item-cache.js';
import { MemoryGate, Semaphore } from './limits.js';
import type { ItemResult } from './pool.js';

interface Chunk {
  firstIndex: number;
  /** The items; undefined for items read from a dataset and sent to a worker pool unparsed (the stage has no key of its own). */
  items: (JsonRecord | undefined)[];
  /** The items' JSON as read, when they come from a dataset (cheaper to key than re-serialising). */
  texts: (string | undefined)[];
}

/** Output records as objects, or (computed in a worker) as JSON lines. */
type ItemOutcome = { ok: true; records: JsonRecord[]; lines?: string[]; isCached: boolean } | { ok: false; message: string };

const MAX_REPORTED_FAILURES = 5;
const MAX_LOGGED_FAILURES = 50;
const PROGRESS_EVERY_MS = 100;
const FEW_ITEMS = 2;

export async function runMap(input: ExecuteInput, signal: AbortSignal, writer: DatasetWriter): Promise<{ items: ItemCounts; failure?: Failure }> {
  const tmp = makeTempDir(input.res, input.stage);
  try {
    return await mapItems(input, signal, writer, tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function mapItems(input: ExecuteInput, signal: AbortSignal, writer: DatasetWriter, tmp: string): Promise<{ items: ItemCounts; failure?: Failure }> {
  const { stage, res } = input;
  const { definition, knobs } = stage;
  const run = definition.run ?? { module: '', exportName: '' };
  const where = `${run.module}#${run.exportName}`;
  const map = normaliseMap(await loadExport(res.root, run.module, run.exportName), where);
  // With a worker pool, items go to the workers as JSON text and come back
  // as JSON text (emit and cacheable run there): the main thread, shared by
  // every worker, parses an item only to key it (a stage with its own key)
  // or to emit a cached result.
  const isPooled = knobs.isolate !== 'inline';
  const source = itemSource(input, !isPooled || map.key !== undefined);
  const counts: ItemCounts = { total: source.total ?? 0, done: 0, cached: 0, failed: 0 };
  const failures: { item: string; message: string }[] = [];
  const cache =
    definition.cache.scope === 'item' && !input.isNoCache
      ? new ItemCache({ store: await res.store(), scope: input.itemScope ?? stage.id, key: map.key, ttlMs: definition.cache.ttlMs })
      : undefined;
  const ctx = createContext({ stage, inputs: input.inputs, upstream: input.upstream, signal, res, tmp, onProgress: () => {} });
  const compute = computer({ input, map, ctx, where });
  let lastProgress = 0;
  const reportProgress = (isFinal: boolean): void => {
    const now = Date.now();
    if (!isFinal && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    input.onProgress(counts.done + counts.failed, source.total, counts.cached);
  };
  // Without `stream`, results are accepted only at the end; progress counts items as they settle.
  const settled = { items: 0, cached: 0 };

  const memoryGate = knobs.stream && knobs.maxMemoryMb !== undefined ? new MemoryGate(knobs.maxMemoryMb) : undefined;
  const processChunk = async (chunk: Chunk, _index: number, chunkSignal: AbortSignal): Promise<ItemOutcome[]> => {
    await memoryGate?.enter(chunkSignal);
    try {
      return await processAdmitted(chunk, chunkSignal);
    } finally {
      memoryGate?.leave();
    }
  };
  const processAdmitted = async (chunk: Chunk, chunkSignal: AbortSignal): Promise<ItemOutcome[]> => {
    const keys = cache ? chunk.items.map((item, i) => cache.keyOf(item, chunk.texts[i])) : [];
    const hits = cache ? await cache.lookup(keys) : [];
    const missing = chunk.items.map((_, i) => i).filter((i) => hits[i] === undefined);
    const computed = await compute(
      missing.map((i) => ({ item: chunk.items[i], text: chunk.texts[i], index: chunk.firstIndex + i })),
      chunkSignal,
    );
    const fresh: Parameters<ItemCache['save']>[0] = [];
    const outcomes: ItemOutcome[] = [];
    let cursor = 0;
    for (const [i, item] of chunk.items.entries()) {
      const hit = hits[i];
      let raw: ItemResult;
      if (hit) raw = { ok: true, value: hit.r };
      else {
        raw = computed[cursor++] ?? { ok: false, error: { message: 'no result' } };
        if (raw.ok && cache) {
          if ('json' in raw) {
            if (raw.isCacheable !== false) fresh.push({ key: keys[i] ?? '', json: raw.json });
          }
          else if (map.cacheable?.(raw.value) ?? true) fresh.push({ key: keys[i] ?? '', result: raw.value });
        }
      }
      outcomes.push(toOutcome(raw, () => item ?? parseItem(chunk.texts[i]), map, hit !== undefined, where));
    }
    await cache?.save(fresh);
    settled.items += outcomes.length;
    settled.cached += outcomes.filter((o) => o.ok && o.isCached).length;
    if (!knobs.stream && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      input.onProgress(settled.items, source.total, settled.cached);
    }
    return outcomes;
  };

  const accept = async (chunk: Chunk, outcomes: ItemOutcome[]): Promise<void> => {
    for (const [offset, outcome] of outcomes.entries()) {
      const index = chunk.firstIndex + offset;
      if (outcome.ok) {
        counts.done++;
        if (outcome.isCached) counts.cached++;
        if (outcome.lines) for (const line of outcome.lines) await writer.writeLine(line);
        else for (const record of outcome.records) await writer.write(record, () => `${where} for ${describeItem(chunk.items[offset], index)}`);
        continue;
      }
      counts.failed++;
      const item = describeItem(chunk.items[offset] ?? parseItem(chunk.texts[offset]), index);
      if (failures.length < MAX_REPORTED_FAILURES) failures.push({ item, message: outcome.message });
      if (counts.failed <= MAX_LOGGED_FAILURES) {
        res.emit({ event: 'stage:log', pipeline: stage.pipeline, stage: stage.name, stream: 'stderr', line: `item ${item} failed: ${outcome.message}` });
      }
    }
    if (!source.total) counts.total = counts.done + counts.failed;
    reportProgress(false);
  };

  const chunkConcurrency = map.isBatch || knobs.isolate !== 'inline' ? knobs.concurrency : Math.ceil(knobs.concurrency / knobs.batchSize) + 1;
  if (knobs.stream) {
    const processor = new StreamProcessor<Chunk, ItemOutcome[]>(processChunk, {
      maxConcurrency: chunkConcurrency,
      bufferSize: Math.max(2, chunkConcurrency),
      ordered: definition.ordered,
      signal,
    });
    for await (const entry of processor.run(chunked(source.items, knobs.batchSize))) {
      if (!entry.ok) throw entry.error;
      await accept(entry.item, entry.result);
    }
  } else {
    const all: Chunk[] = [];
    for await (const chunk of chunked(source.items, knobs.batchSize)) all.push(chunk);
    const processor = new ParallelProcessor<Chunk, ItemOutcome[]>(processChunk, {
      concurrency: chunkConcurrency,
      batchSize: all.length || 1,
      maxMemory: knobs.maxMemoryMb,
      signal,
    });
    const { results, errors } = await processor.process(all);
    if (errors[0]) throw errors[0].error;
    for (const [i, outcomes] of results.entries()) await accept(all[i] as Chunk, outcomes);
  }
  counts.total = counts.done + counts.failed;
  reportProgress(true);
  if (counts.failed > 0) return { items: counts, failure: { kind: 'items-failed', failed: counts.failed, first: failures } };
  return { items: counts };
}

/** An item kept as text, parsed only when it must be shown (a failure) or passed to emit. */
function parseItem(text: string | undefined): JsonRecord | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as JsonRecord;
  } catch {
    return undefined;
  }
}

function toOutcome(raw: ItemResult, itemOf: () => JsonRecord | undefined, map: NormalisedMap, isCached: boolean, where: string): ItemOutcome {
  if (!raw.ok) return { ok: false, message: raw.error.message };
  if ('json' in raw) return { ok: true, records: [], lines: raw.lines, isCached };
  const item = map.emit ? itemOf() : undefined;
  try {
    const output = map.emit && item ? map.emit(item, raw.value) : raw.value;
    const checked = outputRecords(output);
    if ('problem' in checked) return { ok: false, message: `${where} ${checked.problem}` };
    return { ok: true, records: checked.records, isCached };
  } catch (error) {
    return { ok: false, message: `emit: ${(error as Error).message}` };
  }
}

type PendingItem = { item: JsonRecord | undefined; text: string | undefined; index: number };

interface Computer {
  (items: PendingItem[], signal: AbortSignal): Promise<ItemResult[]>;
}

/** Computes the items the cache did not have: inline, in a batch call, or in the worker pool; retries failures. */
function computer(options: { input: ExecuteInput; map: NormalisedMap; ctx: ReturnType<typeof createContext>; where: string }): Computer {
  const { input, map, ctx, where } = options;
  const { stage, res } = input;
  const { knobs, definition } = stage;
  const perItem = new Semaphore(knobs.concurrency);
  const once = async (pending: PendingItem[], signal: AbortSignal): Promise<ItemResult[]> => {
    if (pending.length === 0) return [];
    // A handful of changed items (a rerun after a small edit) is cheaper to
    // compute here than to start worker threads, each loading the module and
    // its dependencies; the pool starts once a batch needs it.
    const isFewForIdlePool = knobs.isolate === 'worker' && !res.hasPool('worker') && pending.length <= FEW_ITEMS;
    if (knobs.isolate !== 'inline' && !isFewForIdlePool) {
      const run = definition.run ?? { module: '', exportName: '' };
      try {
        return await res.pool(knobs.isolate).run({
          module: run.module,
          exportName: run.exportName,
          texts: pending.map((p) => p.text ?? JSON.stringify(p.item)),
          firstIndex: pending[0]?.index ?? 0,
          context: {
            pipeline: stage.pipeline,
            stage: stage.name,
            params: definition.params,
            env: ctx.env as Record<string, string>,
            outputs: definition.outputs,
            root: res.root,
            stateDir: res.stateDir,
            tmp: ctx.workspace.tmp,
          },
          signal,
          onLog: (line) => ctx.log(line),
        });
      } catch (error) {
        signal.throwIfAborted();
        return pending.map(() => ({ ok: false, error: { message: (error as Error).message } }));
      }
    }
    const items = pending.map((p) => ({ item: p.item ?? parseItem(p.text) ?? {}, index: p.index }));
    try {
      await ensureSetup(map);
    } catch (error) {
      return items.map(() => ({ ok: false, error: { message: (error as Error).message } }));
    }
    if (map.isBatch && map.definition.batch) {
      try {
        const results = await map.definition.batch(items.map((i) => i.item), { ...ctx, signal });
        const problem = batchAnswerProblem(results, items.length, where);
        if (problem) return items.map(() => ({ ok: false, error: { message: problem } }));
        return results.map((value) => ({ ok: true, value }));
      } catch (error) {
        signal.throwIfAborted();
        return items.map(() => ({ ok: false, error: { message: (error as Error).message } }));
      }
    }
    return Promise.all(
      items.map(({ item, index }) =>
        perItem.run(async (): Promise<ItemResult> => {
          signal.throwIfAborted();
          try {
            const itemCtx: ItemContext = { ...ctx, signal, index };
            return { ok: true, value: await map.definition.run?.(item, itemCtx) };
          } catch (error) {
            signal.throwIfAborted();
            return { ok: false, error: { message: (error as Error)?.message ?? String(error) } };
          }
        }),
      ),
    );
  };
  return async (items, signal) => {
    const results = await once(items, signal);
    for (let attempt = 1; attempt <= knobs.retries; attempt++) {
      const failed = results.map((r, i) => (r.ok ? -1 : i)).filter((i) => i >= 0);
      if (failed.length === 0) break;
      const again = await once(failed.map((i) => items[i] as PendingItem), signal);
      failed.forEach((i, j) => (results[i] = again[j] ?? (results[i] as ItemResult)));
    }
    return results;
  };
}

interface ItemSource {
  items: AsyncIterable<{ record?: JsonRecord; text?: string }>;
  total?: number;
}

function itemSource(input: ExecuteInput, isParsed: boolean): ItemSource {
  const { stage, res } = input;
  const foreach = stage.definition.foreach;
  if (foreach?.kind === 'files') {
    const files = input.foreachFiles;
    return {
      total: files.length,
      items: (async function* () {
        for (const path of files) yield { record: { path, hash: res.stats.hash(path) ?? '' } };
      })(),
    };
  }
  const name = foreach?.kind === 'stage' ? foreach.stage : '';
  const record = input.upstream.get(name);
  if (!record?.dataset) throw new Error(`foreach: ${name} has no records to map over (a shell stage produces files, not records)`);
  return { total: record.dataset.count, items: readDatasetLines(res.objects, record.dataset, `records of ${stage.pipeline}/${name}`, { isParsed }) };
}

async function* chunked(items: ItemSource['items'], size: number): AsyncGenerator<Chunk> {
  let chunk: Chunk = { firstIndex: 0, items: [], texts: [] };
  for await (const { record, text } of items) {
    chunk.items.push(record);
    chunk.texts.push(text);
    if (chunk.items.length >= size) {
      yield chunk;
      chunk = { firstIndex: chunk.firstIndex + chunk.items.length, items: [], texts: [] };
    }
  }
  if (chunk.items.length > 0) yield chunk;
}
