// Processes a JSONL byte stream (or a stream of records) with bounded memory:
// a pump pulls from the source into a bounded buffer, a scheduler starts up to
// maxConcurrency processor calls, and run() yields the outcomes.
import type { Readable } from 'node:stream';
import { abortError, toError } from './errors.js';
import { LineSplitter, parseJsonLine } from './jsonl.js';
import { Notifier } from './notifier.js';
import {
  booleanOption,
  choiceOption,
  integerOption,
  optionBag,
  requireFunction,
  signalOption,
  stringOption,
} from './options.js';
import { Queue } from './queue.js';
import { ReadyResults, closeQuietly, openStreamSource } from './stream-support.js';

export type Backpressure = 'buffer' | 'drop' | 'throttle';
export type StreamItemProcessor<T, R> = (item: T, index: number, signal: AbortSignal) => Promise<R> | R;
export type StreamInput<T> = NodeJS.ReadableStream | Readable | AsyncIterable<T | string | Buffer> | Iterable<T>;

export interface StreamProcessorOptions {
  /** Bytes decoded and split at a time when the input is a byte stream. */
  chunkSize?: number;
  maxConcurrency?: number;
  backpressure?: Backpressure;
  /** Most parsed items waiting to be processed. */
  bufferSize?: number;
  ordered?: boolean;
  signal?: AbortSignal;
  /** Dataset name used in error messages (`events.jsonl:17: ...`). */
  source?: string;
}

/** One outcome per record that was not dropped; `index` is the record's position in the input. */
export type StreamEntry<T, R> =
  | { ok: true; index: number; item: T; result: R; line?: number }
  | { ok: false; index: number; item?: T; error: Error; line?: number };

export interface StreamFailure<T> {
  item?: T;
  line?: number;
  index: number;
  error: Error;
}

export interface StreamStats {
  /** Always processedItems + droppedItems + failedItems. */
  totalItems: number;
  processedItems: number;
  droppedItems: number;
  failedItems: number;
  peakBuffered: number;
  duration: number;
  /** Peak rss in bytes. */
  memoryUsage: number;
}

export interface StreamResult<T, R> {
  items: R[];
  errors: StreamFailure<T>[];
  stats: StreamStats;
}

type Pending<T> = { seq: number; index: number; line: number | undefined } & (
  | { ok: true; item: T }
  | { ok: false; error: Error }
);

const OWNER = 'StreamProcessor';

export class StreamProcessor<T, R> {
  readonly #processor: StreamItemProcessor<T, R>;
  readonly #chunkSize: number;
  readonly #maxConcurrency: number;
  readonly #backpressure: Backpressure;
  readonly #bufferSize: number;
  readonly #ordered: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #source: string | undefined;

  constructor(processor: StreamItemProcessor<T, R>, options?: StreamProcessorOptions) {
    this.#processor = requireFunction(OWNER, 'processor', processor);
    const bag = optionBag(OWNER, options);
    this.#chunkSize = integerOption(OWNER, bag, 'chunkSize', 64 * 1024, 1);
    this.#maxConcurrency = integerOption(OWNER, bag, 'maxConcurrency', 4, 1);
    this.#backpressure = choiceOption(OWNER, bag, 'backpressure', ['buffer', 'drop', 'throttle'], 'buffer');
    this.#bufferSize = integerOption(OWNER, bag, 'bufferSize', 1000, 1);
    this.#ordered = booleanOption(OWNER, bag, 'ordered', true);
    this.#signal = signalOption(OWNER, bag);
    const source = stringOption(OWNER, bag, 'source', '');
    this.#source = source === '' ? undefined : source;
  }

  async process(input: StreamInput<T>): Promise<StreamResult<T, R>> {
    const items: R[] = [];
    const errors: StreamFailure<T>[] = [];
    const run = this.run(input);
    for (;;) {
      const next = await run.next();
      if (next.done === true) return { items, errors, stats: next.value };
      const entry = next.value;
      if (entry.ok) {
        items.push(entry.result);
        continue;
      }
      const { ok: _ok, ...failure } = entry;
      errors.push(failure);
    }
  }

  /**
   * Yields outcomes as they complete (in input order when `ordered`), holding
   * at most bufferSize + maxConcurrency of them, and returns the stats.
   */
  async *run(input: StreamInput<T>): AsyncGenerator<StreamEntry<T, R>, StreamStats, undefined> {
    const userSignal = this.#signal;
    userSignal?.throwIfAborted();
    const startedAt = performance.now();
    // Sampled every 64 records rather than on a timer: nothing to clean up if
    // the consumer abandons the iteration.
    let peakRss = 0;
    const sampleRss = (): void => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    };
    sampleRss();
    const controller = new AbortController();
    const changed = new Notifier();
    const buffer = new Queue<Pending<T>>();
    const ready = new ReadyResults<StreamEntry<T, R>>(this.#ordered);
    const window = this.#bufferSize + this.#maxConcurrency;
    const stats = { totalItems: 0, processedItems: 0, droppedItems: 0, failedItems: 0, peakBuffered: 0 };
    let nextSeq = 0;
    let inFlight = 0;
    let stopped = false;
    let pumpDone = false;
    let sourceError: { error: unknown } | undefined;

    const complete = (seq: number, entry: StreamEntry<T, R>): void => {
      if (entry.ok) stats.processedItems += 1;
      else stats.failedItems += 1;
      ready.put(seq, entry);
      changed.notify();
    };
    // Starts work while a slot is free and the results held (finished but not
    // yet consumed) plus those in flight fit the window: this is what bounds
    // the reorder window when one early item is slow, or the consumer is. A
    // line that failed to parse needs no processing slot, only window room.
    const schedule = (): void => {
      for (let head = buffer.peek(); !stopped && head !== undefined; head = buffer.peek()) {
        if (ready.size + inFlight >= window || (head.ok && inFlight >= this.#maxConcurrency)) break;
        const next = head;
        buffer.shift();
        const line = next.line === undefined ? {} : { line: next.line };
        if (!next.ok) {
          complete(next.seq, { ok: false, index: next.index, error: next.error, ...line });
          continue;
        }
        inFlight += 1;
        const { item, index } = next;
        const invoke = async (): Promise<R> => this.#processor(item, index, controller.signal);
        invoke()
          .then(
            (result): StreamEntry<T, R> => ({ ok: true, index, item, result, ...line }),
            (error: unknown): StreamEntry<T, R> => ({ ok: false, index, item, error: toError(error), ...line }),
          )
          .then((entry) => {
            inFlight -= 1;
            complete(next.seq, entry);
            schedule();
          });
      }
      changed.notify(); // buffer space may have been freed for the pump
    };

    // 'buffer' pulls whenever there is room for one more item. 'throttle' adds
    // hysteresis: once the buffer is full it stops pulling until processing has
    // drained it to half, so the source is read in bursts that match the
    // processing rate instead of one item per freed slot. 'drop' never waits.
    const lowWater = Math.floor(this.#bufferSize / 2);
    let throttled = false;
    const mustWait = (): boolean => {
      if (stopped || this.#backpressure === 'drop') return false;
      if (this.#backpressure === 'throttle') {
        if (buffer.length >= this.#bufferSize) throttled = true;
        else if (buffer.length <= lowWater) throttled = false;
        return throttled;
      }
      return buffer.length >= this.#bufferSize;
    };
    const admit = (line: number | undefined, parse: () => { ok: true; value: unknown } | { ok: false; error: Error }): void => {
      const index = stats.totalItems;
      stats.totalItems += 1;
      if (stats.totalItems % 64 === 0) sampleRss();
      // Drop before parsing: a dropped line costs nothing and is counted as
      // dropped whatever it contains. The other modes only get here with room.
      if (this.#backpressure === 'drop' && buffer.length >= this.#bufferSize) {
        stats.droppedItems += 1;
        return;
      }
      const parsed = parse();
      const seq = nextSeq;
      nextSeq += 1;
      buffer.push(parsed.ok ? { seq, index, line, ok: true, item: parsed.value as T } : { seq, index, line, ...parsed });
      schedule();
      if (buffer.length > stats.peakBuffered) stats.peakBuffered = buffer.length;
    };
    const pump = async (): Promise<void> => {
      const source = openStreamSource(input);
      const splitter = new LineSplitter(this.#chunkSize);
      let mode: 'text' | 'records' | undefined;
      let exhausted = false;
      try {
        for (;;) {
          while (mustWait()) await changed.wait();
          if (stopped) return;
          const next = await source.next();
          if (next.done === true) break;
          const chunk: unknown = next.value;
          const isText = typeof chunk === 'string' || chunk instanceof Uint8Array;
          mode ??= isText ? 'text' : 'records';
          if (isText !== (mode === 'text')) throw new TypeError(`${OWNER}: input mixes text chunks and records`);
          if (!isText) {
            if (!stopped) admit(undefined, () => ({ ok: true, value: chunk }));
            continue;
          }
          for (const raw of splitter.write(chunk)) {
            while (mustWait()) await changed.wait();
            if (stopped) return;
            admit(raw.line, () => parseJsonLine(raw, this.#source));
          }
        }
        exhausted = true;
        for (const raw of splitter.end()) {
          while (mustWait()) await changed.wait();
          if (stopped) return;
          admit(raw.line, () => parseJsonLine(raw, this.#source));
        }
      } catch (error) {
        exhausted = true;
        stopped = true; // start nothing more; run() rethrows once in-flight work settles
        sourceError ??= { error };
      } finally {
        pumpDone = true;
        changed.notify();
        if (!exhausted) await closeQuietly(source);
      }
    };

    const onAbort = (): void => {
      stopped = true;
      controller.abort(userSignal?.reason);
      changed.notify();
    };
    userSignal?.addEventListener('abort', onAbort, { once: true });
    void pump();
    let finished = false;
    try {
      for (;;) {
        if (controller.signal.aborted || sourceError !== undefined) break;
        const entry = ready.take();
        if (entry !== undefined) {
          yield entry;
          schedule(); // consuming a result may have reopened the window
          continue;
        }
        if (pumpDone && buffer.length === 0 && inFlight === 0 && ready.size === 0) break;
        await changed.wait();
      }
      stopped = true;
      changed.notify();
      while (inFlight > 0) await changed.wait();
      if (userSignal?.aborted === true) throw userSignal.reason;
      if (sourceError !== undefined) throw sourceError.error;
      finished = true;
      sampleRss();
      return { ...stats, duration: performance.now() - startedAt, memoryUsage: peakRss };
    } finally {
      stopped = true;
      userSignal?.removeEventListener('abort', onAbort);
      // The consumer left early (break/return): tell in-flight calls and wait
      // for them, so no work outlives the iteration.
      if (!finished && !controller.signal.aborted) controller.abort(abortError(`${OWNER}: consumer stopped iterating`));
      changed.notify();
      while (inFlight > 0) await changed.wait();
    }
  }
}
