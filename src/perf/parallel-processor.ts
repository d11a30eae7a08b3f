// Runs an async function over every item of a (possibly async, possibly
// endless) source with a sliding window of `concurrency` in-flight calls.
import { inspect } from 'node:util';
import { heapUsed } from './memory.js';
import { toError } from './errors.js';
import { Notifier } from './notifier.js';
import {
  functionOption,
  integerOption,
  optionBag,
  positiveNumberOption,
  requireFunction,
  signalOption,
} from './options.js';
import { Queue } from './queue.js';

export type ItemProcessor<T, R> = (item: T, index: number, signal: AbortSignal) => Promise<R> | R;

export interface ParallelProcessorOptions {
  concurrency?: number;
  /** Items pulled from the source per refill of the intake. */
  batchSize?: number;
  /** MB of heapUsed above which no new item starts (while another is still in flight). */
  maxMemory?: number;
  /**
   * After each item: items done (failed ones included) and the total, which
   * for a source of known size (an array, a Set, a Map) is its size from the
   * first call on, and otherwise the items pulled so far (final at the end).
   */
  progressCallback?: (done: number, total: number) => void;
  signal?: AbortSignal;
  memoryPollMs?: number;
  /** Returns heapUsed in bytes; injectable for tests. */
  memoryUsage?: () => number;
}

export interface ItemFailure<T> {
  item: T;
  index: number;
  error: Error;
}

export interface ProcessStats {
  totalProcessed: number;
  successful: number;
  failed: number;
  /** Milliseconds. */
  duration: number;
  /** Peak heapUsed observed, in bytes. */
  memoryPeak: number;
}

export interface ProcessResult<T, R> {
  /** Successful results in input order; failed items are left out (see errors). */
  results: R[];
  /** Failures sorted by index. */
  errors: ItemFailure<T>[];
  stats: ProcessStats;
}

const OWNER = 'ParallelProcessor';

export class ParallelProcessor<T, R> {
  readonly #processor: ItemProcessor<T, R>;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #maxMemoryBytes: number | undefined;
  readonly #progress: ((done: number, total: number) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #memoryPollMs: number;
  readonly #memoryUsage: () => number;

  constructor(processor: ItemProcessor<T, R>, options?: ParallelProcessorOptions) {
    this.#processor = requireFunction(OWNER, 'processor', processor);
    const bag = optionBag(OWNER, options);
    this.#concurrency = integerOption(OWNER, bag, 'concurrency', 4, 1);
    this.#batchSize = integerOption(OWNER, bag, 'batchSize', 50, 1);
    const maxMemory = positiveNumberOption(OWNER, bag, 'maxMemory');
    this.#maxMemoryBytes = maxMemory === undefined ? undefined : maxMemory * 1024 * 1024;
    this.#progress = functionOption(OWNER, bag, 'progressCallback');
    this.#signal = signalOption(OWNER, bag);
    this.#memoryPollMs = integerOption(OWNER, bag, 'memoryPollMs', 50, 1);
    this.#memoryUsage = functionOption<() => number>(OWNER, bag, 'memoryUsage') ?? heapUsed;
  }

  async process(items: Iterable<T> | AsyncIterable<T>): Promise<ProcessResult<T, R>> {
    this.#signal?.throwIfAborted();
    return new SlidingWindow<T, R>({
      processor: this.#processor,
      source: openSource(items),
      total: sizeOf(items),
      concurrency: this.#concurrency,
      batchSize: this.#batchSize,
      maxMemoryBytes: this.#maxMemoryBytes,
      progress: this.#progress,
      signal: this.#signal,
      memoryPollMs: this.#memoryPollMs,
      memoryUsage: this.#memoryUsage,
    }).run();
  }
}

/** How many items a source holds, when it says (arrays, typed arrays, Sets, Maps). */
function sizeOf(items: unknown): number | undefined {
  if (Array.isArray(items) || ArrayBuffer.isView(items)) return (items as { length: number }).length;
  if (items instanceof Set || items instanceof Map) return items.size;
  return undefined;
}

interface WindowOptions<T, R> {
  processor: ItemProcessor<T, R>;
  source: Iterator<T> | AsyncIterator<T>;
  /** The number of items when the source knows it (an array, a Set); otherwise the total grows as items are pulled. */
  total: number | undefined;
  concurrency: number;
  batchSize: number;
  maxMemoryBytes: number | undefined;
  progress: ((done: number, total: number) => void) | undefined;
  signal: AbortSignal | undefined;
  memoryPollMs: number;
  memoryUsage: () => number;
}

/** One process() call: a pump refilling the intake, and up to `concurrency` items in flight. */
class SlidingWindow<T, R> {
  readonly #o: WindowOptions<T, R>;
  readonly #startedAt = performance.now();
  readonly #itemSignal: AbortSignal;
  readonly #changed = new Notifier();
  readonly #intake = new Queue<{ item: T; index: number }>();
  /** Indexed by input position; holes are failed items, so input order survives. */
  readonly #outcomes: ({ value: R } | undefined)[] = [];
  readonly #errors: ItemFailure<T>[] = [];
  #known = 0;
  #done = 0;
  #inFlight = 0;
  #stopped = false;
  #pumpDone = false;
  #fatal: { error: unknown } | undefined;
  #memoryPeak = 0;
  #reported: string | undefined;

  constructor(options: WindowOptions<T, R>) {
    this.#o = options;
    this.#itemSignal = options.signal ?? new AbortController().signal;
  }

  async run(): Promise<ProcessResult<T, R>> {
    const { signal } = this.#o;
    const onAbort = (): void => this.#changed.notify();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#readMemory();
    void this.#pump();
    try {
      await this.#drive();
      this.#stopped = true;
      this.#changed.notify();
      while (this.#inFlight > 0) await this.#changed.wait();
      if (signal?.aborted === true) throw signal.reason;
      if (this.#fatal === undefined && this.#reported !== `${this.#known}/${this.#known}`)
        this.#report(this.#known, this.#known);
      if (this.#fatal !== undefined) throw this.#fatal.error;
      return this.#result();
    } finally {
      this.#stopped = true;
      this.#changed.notify();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts items while there is room, until the source is done and nothing is in flight. */
  async #drive(): Promise<void> {
    const { signal, concurrency, maxMemoryBytes, memoryPollMs } = this.#o;
    for (;;) {
      if (signal?.aborted === true || this.#fatal !== undefined) return;
      if (this.#inFlight < concurrency && this.#intake.length > 0) {
        // With nothing in flight, one item starts regardless: memory may be
        // held by something else and waiting would never end.
        if (this.#inFlight > 0 && maxMemoryBytes !== undefined && this.#readMemory() > maxMemoryBytes) {
          await this.#changed.wait(memoryPollMs);
          continue;
        }
        const next = this.#intake.shift();
        if (next !== undefined) this.#start(next.item, next.index);
        this.#changed.notify(); // the pump may be waiting for the intake to run low
        continue;
      }
      if (this.#pumpDone && this.#intake.length === 0 && this.#inFlight === 0) return;
      await this.#changed.wait();
    }
  }

  /**
   * Refills the intake when it runs below one window's worth, so at most
   * concurrency - 1 + batchSize items are ever held un-started and an async
   * source is never drained eagerly.
   */
  async #pump(): Promise<void> {
    const { source, concurrency, batchSize } = this.#o;
    let exhausted = false;
    try {
      while (!this.#stopped) {
        if (this.#intake.length >= concurrency) {
          await this.#changed.wait();
          continue;
        }
        for (let pulled = 0; pulled < batchSize && !this.#stopped; pulled += 1) {
          const next = await source.next();
          if (next.done === true) {
            exhausted = true;
            return;
          }
          this.#intake.push({ item: next.value, index: this.#known });
          this.#known += 1;
          this.#changed.notify();
        }
      }
    } catch (error) {
      exhausted = true;
      this.#fatal ??= { error };
    } finally {
      this.#pumpDone = true;
      this.#changed.notify();
      if (!exhausted) await closeQuietly(source);
    }
  }

  #start(item: T, index: number): void {
    this.#inFlight += 1;
    this.#readMemory();
    const invoke = async (): Promise<R> => this.#o.processor(item, index, this.#itemSignal);
    invoke()
      .then(
        (value) => {
          this.#outcomes[index] = { value };
        },
        (error: unknown) => {
          this.#errors.push({ item, index, error: toError(error) });
        },
      )
      .finally(() => {
        this.#inFlight -= 1;
        this.#done += 1;
        this.#readMemory();
        this.#report(this.#done, this.#o.total ?? this.#known);
        this.#changed.notify();
      });
  }

  #readMemory(): number {
    const used = this.#o.memoryUsage();
    if (used > this.#memoryPeak) this.#memoryPeak = used;
    return used;
  }

  #report(count: number, total: number): void {
    this.#reported = `${count}/${total}`;
    try {
      this.#o.progress?.(count, total);
    } catch (error) {
      this.#fatal ??= { error };
    }
  }

  #result(): ProcessResult<T, R> {
    const errors = this.#errors.sort((a, b) => a.index - b.index);
    return {
      results: this.#outcomes.flatMap((outcome) => (outcome === undefined ? [] : [outcome.value])),
      errors,
      stats: {
        totalProcessed: this.#done,
        successful: this.#done - errors.length,
        failed: errors.length,
        duration: performance.now() - this.#startedAt,
        memoryPeak: this.#memoryPeak,
      },
    };
  }
}

function openSource<T>(items: Iterable<T> | AsyncIterable<T>): Iterator<T> | AsyncIterator<T> {
  const candidate = items as Partial<Iterable<T> & AsyncIterable<T>> | null | undefined;
  const openAsync = candidate?.[Symbol.asyncIterator];
  if (typeof openAsync === 'function') return openAsync.call(candidate);
  const openSync = candidate?.[Symbol.iterator];
  if (typeof openSync === 'function') return openSync.call(candidate);
  throw new TypeError(`${OWNER}: items must be an iterable or async iterable, got ${inspect(items, { depth: 0 })}`);
}

async function closeQuietly(source: Iterator<unknown> | AsyncIterator<unknown>): Promise<void> {
  try {
    await source.return?.();
  } catch {
    // The run already failed or was aborted; a second error from closing adds nothing.
  }
}
