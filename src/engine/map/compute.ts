// Computes the items of a map stage that no cache had: on the main thread
// (one call per item, or one batch call), or in the run's worker pool; then
// retries the failures up to `retries` times.
import type { JsonRecord, StageContext } from '../../api.js';
import { foreachOf } from '../../config/types.js';
import type { StagePlan } from '../../config/types.js';
import { expandGlobs } from '../../cache/glob.js';
import type { Resources } from '../resources.js';
import { batchAnswerProblem, ensureSetup, itemContextOf } from './definition.js';
import type { NormalisedMap } from './definition.js';
import type { ItemBlock } from './item-source.js';
import { ownedUtf8 } from './batch-wire.js';
import { Semaphore } from './limits.js';
import { StageFatalError } from './pool.js';
import type { ItemResult } from './pool.js';
import { isPromiseLike, untilAborted } from '../stall.js';
import { codeLocation, errorData } from '../../util/errors.js';
import type { StallWatch } from '../stall.js';

/** Item `i` of `block`. */
export interface PendingItem {
  block: ItemBlock;
  i: number;
}

export type Compute = (items: PendingItem[], signal: AbortSignal) => Promise<ItemResult[]>;

/** A handful of changed items (a rerun after a small edit) is cheaper to compute here than to start worker threads. */
const FEW_ITEMS = 2;

/**
 * How long items computed on the main thread may hold it before the event
 * loop gets a turn: a plain function answers at once, so a stage of them
 * would run to its end with Ctrl-C, timers and progress waiting on it.
 */
export const TURN_MS = 20;
let lastTurn = performance.now();

/** A turn of the event loop, when items have held the main thread for TURN_MS. */
function isTurnDue(): boolean {
  return performance.now() - lastTurn >= TURN_MS;
}

async function takeTurn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
}

interface ComputerOptions {
  stage: StagePlan;
  res: Resources;
  map: NormalisedMap;
  ctx: StageContext;
  where: string;
  /** Fails the items whose in-process code can no longer finish. */
  stall?: StallWatch;
}

export function computer(options: ComputerOptions): Compute {
  const items = new ItemComputer(options);
  return (pending, signal) => items.compute(pending, signal);
}

class ItemComputer {
  readonly #stage: StagePlan;
  readonly #res: Resources;
  readonly #map: NormalisedMap;
  readonly #ctx: StageContext;
  readonly #where: string;
  /** Per-item calls in flight on this thread, across every block of the stage. */
  readonly #perItem: Semaphore;
  readonly #stall: StallWatch | undefined;

  #inputs: [string, string][] | undefined;

  constructor(options: ComputerOptions) {
    this.#stage = options.stage;
    this.#res = options.res;
    this.#map = options.map;
    this.#ctx = options.ctx;
    this.#where = options.where;
    this.#perItem = new Semaphore(options.stage.knobs.concurrency);
    this.#stall = options.stall;
  }

  /** `work`, unless the process runs out of work first (see stall.ts): then the stall's error. */
  #unlessStalled<T>(work: Promise<T>): Promise<T> {
    return this.#stall ? untilAborted(work, this.#stall.signal) : work;
  }

  /** One result per pending item; failures retried `retries` times. */
  async compute(pending: PendingItem[], signal: AbortSignal): Promise<ItemResult[]> {
    const results = await this.#once(pending, signal);
    for (let attempt = 1; attempt <= this.#stage.knobs.retries; attempt++) {
      const again = results.flatMap((r, n) => (r.ok ? [] : [n]));
      if (again.length === 0) break;
      const retried = await this.#once(
        again.map((n) => pending[n] as PendingItem),
        signal,
      );
      again.forEach((n, k) => {
        results[n] = retried[k] ?? (results[n] as ItemResult);
      });
    }
    return results.map((result) => (result.ok ? result : located(result, this.#res.root)));
  }

  #once(pending: PendingItem[], signal: AbortSignal): Promise<ItemResult[]> {
    if (pending.length === 0) return Promise.resolve([]);
    const { isolate } = this.#stage.knobs;
    const isFewForIdlePool = isolate === 'worker' && !this.#res.hasPool('worker') && pending.length <= FEW_ITEMS;
    return isolate !== 'inline' && !isFewForIdlePool ? this.#inPool(pending, signal) : this.#here(pending, signal);
  }

  /** The stage's declared inputs with their hashes (BatchContext.inputs), listed once a run. */
  #declaredInputs(): [string, string][] {
    if (this.#inputs === undefined) {
      const { stats } = this.#res;
      const patterns = this.#stage.definition.inputs;
      this.#inputs =
        patterns.length === 0 ? [] : expandGlobs(stats, patterns).map((file) => [file, stats.hash(file) ?? 'missing']);
    }
    return this.#inputs;
  }

  async #inPool(pending: PendingItem[], signal: AbortSignal): Promise<ItemResult[]> {
    const { definition, knobs } = this.#stage;
    if (definition.kind !== 'map' || knobs.isolate === 'inline')
      throw new Error('a pool computes only map stages with isolate: worker or process');
    const ctx = this.#ctx;
    try {
      const pool = this.#res.pool(knobs.isolate);
      return await pool.run({
        module: definition.run.module,
        exportName: definition.run.exportName,
        items: itemsBytes(pending, pool.itemBytes?.bind(pool)),
        indexes: pending.map((p) => p.block.firstIndex + p.i),
        context: {
          pipeline: this.#stage.pipeline,
          stage: this.#stage.name,
          params: definition.params,
          env: ctx.env as Record<string, string>,
          outputs: definition.outputs,
          root: this.#res.root,
          stateDir: this.#res.stateDir,
          tmp: ctx.workspace.tmp,
          files: foreachOf(definition)?.kind === 'files',
          inputs: this.#declaredInputs(),
          code: ctx.code,
        },
        signal,
        onLog: (line) => ctx.log(line),
      });
    } catch (error) {
      signal.throwIfAborted();
      if (error instanceof StageFatalError) throw error;
      return pending.map(() => failed(error));
    }
  }

  async #here(pending: PendingItem[], signal: AbortSignal): Promise<ItemResult[]> {
    const items = itemsOf(pending);
    try {
      await this.#unlessStalled(ensureSetup(this.#map));
    } catch (error) {
      return items.map(() => failed(error));
    }
    return this.#map.isBatch ? this.#batch(items, signal) : this.#oneByOne(items, pending, signal);
  }

  async #batch(items: JsonRecord[], signal: AbortSignal): Promise<ItemResult[]> {
    if (isTurnDue()) await takeTurn();
    signal.throwIfAborted();
    try {
      // Not waited for past the stage's timeout or Ctrl-C, as a task is not: code that ignores ctx.signal goes on unheard.
      const results = await untilAborted(
        this.#unlessStalled(Promise.resolve(this.#map.definition.batch?.(items, { ...this.#ctx, signal }))),
        signal,
      );
      const problem = batchAnswerProblem(results, items.length, this.#where);
      if (problem || !results) return items.map(() => ({ ok: false, error: { message: problem ?? 'no answer' } }));
      // By index: a hole in a sparse answer is that item's undefined result (map() skips holes), as in a worker.
      return Array.from({ length: items.length }, (_, i) => ({ ok: true, value: results[i] }));
    } catch (error) {
      signal.throwIfAborted();
      return items.map(() => failed(error));
    }
  }

  /**
   * Each call holds one of `concurrency` slots while it runs. A call that
   * answers at once (not a promise) gives its slot back at once, so plain
   * functions run one after another without a microtask per item.
   */
  async #oneByOne(items: JsonRecord[], pending: PendingItem[], signal: AbortSignal): Promise<ItemResult[]> {
    const run = this.#map.definition.run;
    const perItem = this.#perItem;
    const results = new Array<ItemResult>(items.length);
    const running: Promise<unknown>[] = [];
    const unsettled: ((error: unknown) => void)[] = [];
    const contextAt = itemContextOf({ ...this.#ctx, signal });
    for (const [n, item] of items.entries()) {
      if (isTurnDue()) await takeTurn();
      signal.throwIfAborted();
      if (!perItem.tryAcquire()) await perItem.acquire();
      const p = pending[n] as PendingItem;
      let value: unknown;
      try {
        value = run?.(item, contextAt(p.block.firstIndex + p.i));
      } catch (error) {
        perItem.release();
        results[n] = failed(error);
        continue;
      }
      if (!isPromiseLike(value)) {
        perItem.release();
        results[n] = { ok: true, value };
        continue;
      }
      let isSettled = false;
      const settle = (result: ItemResult): void => {
        if (isSettled) return;
        isSettled = true;
        results[n] = result;
        perItem.release();
      };
      running.push(
        Promise.resolve(value).then(
          (settled) => settle({ ok: true, value: settled }),
          (error: unknown) => settle(failed(error)),
        ),
      );
      unsettled.push((error) => settle(failed(error)));
    }
    try {
      // Not waited for past the stage's timeout or Ctrl-C (items that ignore ctx.signal go on unheard).
      await untilAborted(this.#unlessStalled(Promise.all(running)), signal);
    } catch (error) {
      signal.throwIfAborted();
      // Stalled: the items still going can never finish; they fail, the rest stand.
      for (const fail of unsettled) fail(error);
    }
    signal.throwIfAborted();
    return results;
  }
}

/** The items of `pending`, parsed: a whole block of records in one JSON.parse. */
function itemsOf(pending: PendingItem[]): JsonRecord[] {
  const block = wholeBlock(pending);
  if (block?.records) return block.records();
  return pending.map((p) => p.block.item(p.i));
}

/**
 * The items of `pending` as the UTF-8 of their JSON lines, each ending in a
 * newline, in memory from `memory` (the pool's, where it lends any; else
 * new): a whole block of records copied.
 */
function itemsBytes(pending: PendingItem[], memory?: (size: number) => Uint8Array): Uint8Array {
  const block = wholeBlock(pending);
  if (block?.lines) return block.lines(memory);
  let text = '';
  for (const p of pending) text += `${p.block.itemText(p.i)}\n`;
  return ownedUtf8(text, memory);
}

/** The block `pending` is, every item of it in order, if it is one. */
function wholeBlock(pending: PendingItem[]): ItemBlock | undefined {
  const block = pending[0]?.block;
  const isWhole =
    block !== undefined && pending.length === block.count && pending.every((p, n) => p.block === block && p.i === n);
  return isWhole ? block : undefined;
}

function failed(error: unknown): ItemResult {
  return { ok: false, error: errorData(error) };
}

/** A failed item's message, with where in the workspace's code it was thrown, as a failed task's has it. */
function located(result: Extract<ItemResult, { ok: false }>, root: string): ItemResult {
  const at = codeLocation(result.error, root);
  return at ? { ok: false, error: { message: `${result.error.message} (at ${at})` } } : result;
}
