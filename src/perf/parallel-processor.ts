// Runs an async function over every item of a (possibly async, possibly
// endless) source with a sliding window of `concurrency` in-flight calls.
import { inspect } from 'node:util';
import { getHeapStatistics } from 'node:v8';
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

// The heap in use without process.memoryUsage(), which also reads the RSS
// from /proc: a read that waits on the memory map's lock while worker
// threads fault pages in. This one can be read on every item start.
const heapUsed = (): number => getHeapStatistics().used_heap_size;

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
    const signal = this.#signal;
    signal?.throwIfAborted();
    const startedAt = performance.now();
    const source = openSource(items);
    const itemSignal = signal ?? new AbortController().signal;
    const changed = new Notifier();
    const intake = new Queue<{ item: T; index: number }>();
    // Indexed by input position; holes are failed items, so input order survives.
    const outcomes: ({ value: R } | undefined)[] = [];
    const errors: ItemFailure<T>[] = [];
    let known = 0;
    let done = 0;
    let inFlight = 0;
    let stopped = false;
    let pumpDone = false;
    let fatal: { error: unknown } | undefined;
    let memoryPeak = 0;
    let reported: string | undefined;

    const readMemory = (): number => {
      const used = this.#memoryUsage();
      if (used > memoryPeak) memoryPeak = used;
      return used;
    };
    const report = (count: number, total: number): void => {
      reported = `${count}/${total}`;
      try {
        this.#progress?.(count, total);
      } catch (error) {
        fatal ??= { error };
      }
    };
    // Refills the intake when it runs below one window's worth, so at most
    // concurrency - 1 + batchSize items are ever held un-started and an async
    // source is never drained eagerly.
    const pump = async (): Promise<void> => {
      let exhausted = false;
      try {
        while (!stopped) {
          if (intake.length >= this.#concurrency) {
            await changed.wait();
            continue;
          }
          for (let pulled = 0; pulled < this.#batchSize && !stopped; pulled += 1) {
            const next = await source.next();
            if (next.done === true) {
              exhausted = true;
              return;
            }
            intake.push({ item: next.value, index: known });
            known += 1;
            changed.notify();
          }
        }
      } catch (error) {
        exhausted = true;
        fatal ??= { error };
      } finally {
        pumpDone = true;
        changed.notify();
        if (!exhausted) await closeQuietly(source);
      }
    };
    const start = (item: T, index: number): void => {
      inFlight += 1;
      readMemory();
      const invoke = async (): Promise<R> => this.#processor(item, index, itemSignal);
      invoke()
        .then(
          (value) => {
            outcomes[index] = { value };
          },
          (error: unknown) => {
            errors.push({ item, index, error: toError(error) });
          },
        )
        .finally(() => {
          inFlight -= 1;
          done += 1;
          readMemory();
          report(done, known);
          changed.notify();
        });
    };

    const onAbort = (): void => changed.notify();
    signal?.addEventListener('abort', onAbort, { once: true });
    readMemory();
    void pump();
    try {
      for (;;) {
        if (signal?.aborted === true || fatal !== undefined) break;
        if (inFlight < this.#concurrency && intake.length > 0) {
          // With nothing in flight, one item starts regardless: memory may be
          // held by something else and waiting would never end.
          if (inFlight > 0 && this.#maxMemoryBytes !== undefined && readMemory() > this.#maxMemoryBytes) {
            await changed.wait(this.#memoryPollMs);
            continue;
          }
          const next = intake.shift();
          if (next !== undefined) start(next.item, next.index);
          changed.notify(); // the pump may be waiting for the intake to run low
          continue;
        }
        if (pumpDone && intake.length === 0 && inFlight === 0) break;
        await changed.wait();
      }
      stopped = true;
      changed.notify();
      while (inFlight > 0) await changed.wait();
      if (signal?.aborted === true) throw signal.reason;
      if (fatal === undefined && reported !== `${known}/${known}`) report(known, known);
      if (fatal !== undefined) throw fatal.error;
      return {
        results: outcomes.flatMap((outcome) => (outcome === undefined ? [] : [outcome.value])),
        errors: errors.sort((a, b) => a.index - b.index),
        stats: {
          totalProcessed: done,
          successful: done - errors.length,
          failed: errors.length,
          duration: performance.now() - startedAt,
          memoryPeak,
        },
      };
    } finally {
      stopped = true;
      changed.notify();
      signal?.removeEventListener('abort', onAbort);
    }
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
