// One StreamProcessor.run(): a pump pulling the source into a bounded
// buffer, a scheduler starting processor calls, and the consumer taking the
// outcomes (in input order when asked).
import { abortError, toError } from './errors.js';
import { LineSplitter, parseJsonLine } from './jsonl.js';
import type { RawLine } from './jsonl.js';
import { Notifier } from './notifier.js';
import { Queue } from './queue.js';
import type { StreamEntry, StreamInput, StreamItemProcessor, StreamStats } from './stream-processor.js';
import { ReadyResults, closeQuietly, openStreamSource } from './stream-support.js';

const OWNER = 'StreamProcessor';

type Pending<T> = { seq: number; index: number; line: number | undefined } & (
  | { ok: true; item: T }
  | { ok: false; error: Error }
);

export interface StreamRunOptions<T, R> {
  processor: StreamItemProcessor<T, R>;
  chunkSize: number;
  maxConcurrency: number;
  bufferSize: number;
  ordered: boolean;
  signal: AbortSignal | undefined;
  source: string | undefined;
  maxMemoryBytes: number | undefined;
  memoryPollMs: number;
  memoryUsage: () => number;
}

/** One run(): a pump pulling the source into a bounded buffer, a scheduler starting processor calls, and the consumer. */
export class StreamRun<T, R> {
  readonly #o: StreamRunOptions<T, R>;
  readonly #startedAt = performance.now();
  readonly #controller = new AbortController();
  readonly #changed = new Notifier();
  readonly #buffer = new Queue<Pending<T>>();
  readonly #ready: ReadyResults<StreamEntry<T, R>>;
  readonly #window: number;
  readonly #stats = { totalItems: 0, processedItems: 0, failedItems: 0, peakBuffered: 0 };
  // Sampled every 64 records rather than on a timer: nothing to clean up if
  // the consumer abandons the iteration.
  #peakRss = 0;
  #nextSeq = 0;
  #inFlight = 0;
  #stopped = false;
  #pumpDone = false;
  #sourceError: { error: unknown } | undefined;
  /** The timer that looks again once the heap was over maxMemory. */
  #memoryPoll: NodeJS.Timeout | undefined;

  constructor(options: StreamRunOptions<T, R>) {
    this.#o = options;
    this.#ready = new ReadyResults<StreamEntry<T, R>>(options.ordered);
    this.#window = options.bufferSize + options.maxConcurrency;
  }

  async *entries(input: StreamInput<T>): AsyncGenerator<StreamEntry<T, R>, StreamStats, undefined> {
    const userSignal = this.#o.signal;
    userSignal?.throwIfAborted();
    this.#sampleRss();
    const onAbort = (): void => {
      this.#stopped = true;
      this.#controller.abort(userSignal?.reason);
      this.#changed.notify();
    };
    userSignal?.addEventListener('abort', onAbort, { once: true });
    void this.#pump(input);
    let finished = false;
    try {
      for (;;) {
        if (this.#controller.signal.aborted || this.#sourceError !== undefined) break;
        const entry = this.#ready.take();
        if (entry !== undefined) {
          yield entry;
          this.#schedule(); // consuming a result may have reopened the window
          continue;
        }
        if (this.#pumpDone && this.#buffer.length === 0 && this.#inFlight === 0 && this.#ready.size === 0) break;
        await this.#changed.wait();
      }
      await this.#settle();
      if (userSignal?.aborted === true) throw userSignal.reason;
      if (this.#sourceError !== undefined) throw this.#sourceError.error;
      finished = true;
      this.#sampleRss();
      return { ...this.#stats, duration: performance.now() - this.#startedAt, memoryUsage: this.#peakRss };
    } finally {
      userSignal?.removeEventListener('abort', onAbort);
      // The consumer left early (break/return): tell in-flight calls and wait
      // for them, so no work outlives the iteration.
      if (!finished && !this.#controller.signal.aborted)
        this.#controller.abort(abortError(`${OWNER}: consumer stopped iterating`));
      await this.#settle();
    }
  }

  /** Starts nothing more and waits for the calls in flight. */
  async #settle(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#memoryPoll);
    this.#changed.notify();
    while (this.#inFlight > 0) await this.#changed.wait();
  }

  #sampleRss(): void {
    this.#peakRss = Math.max(this.#peakRss, process.memoryUsage.rss());
  }

  #complete(seq: number, entry: StreamEntry<T, R>): void {
    if (entry.ok) this.#stats.processedItems += 1;
    else this.#stats.failedItems += 1;
    this.#ready.put(seq, entry);
    this.#changed.notify();
  }

  /**
   * Starts work while a slot is free and the results held (finished but not
   * yet consumed) plus those in flight fit the window: this is what bounds
   * the reorder window when one early item is slow, or the consumer is. A
   * line that failed to parse needs no processing slot, only window room.
   */
  #schedule(): void {
    for (let head = this.#buffer.peek(); !this.#stopped && head !== undefined; head = this.#buffer.peek()) {
      if (this.#ready.size + this.#inFlight >= this.#window || (head.ok && this.#inFlight >= this.#o.maxConcurrency))
        break;
      // With nothing in flight, one item starts regardless: memory may be
      // held by something else and waiting would never end.
      if (head.ok && this.#inFlight > 0 && this.#isOverMemory()) {
        this.#lookAgainLater();
        break;
      }
      const next = head;
      this.#buffer.shift();
      const line = next.line === undefined ? {} : { line: next.line };
      if (!next.ok) {
        this.#complete(next.seq, { ok: false, index: next.index, error: next.error, ...line });
        continue;
      }
      this.#inFlight += 1;
      const { item, index } = next;
      const invoke = async (): Promise<R> => this.#o.processor(item, index, this.#controller.signal);
      invoke()
        .then(
          (result): StreamEntry<T, R> => ({ ok: true, index, item, result, ...line }),
          (error: unknown): StreamEntry<T, R> => ({ ok: false, index, item, error: toError(error), ...line }),
        )
        .then((entry) => {
          this.#inFlight -= 1;
          this.#complete(next.seq, entry);
          this.#schedule();
        });
    }
    this.#changed.notify(); // buffer space may have been freed for the pump
  }

  #isOverMemory(): boolean {
    const { maxMemoryBytes, memoryUsage } = this.#o;
    return maxMemoryBytes !== undefined && memoryUsage() > maxMemoryBytes;
  }

  #lookAgainLater(): void {
    if (this.#memoryPoll !== undefined) return;
    this.#memoryPoll = setTimeout(() => {
      this.#memoryPoll = undefined;
      this.#schedule();
    }, this.#o.memoryPollMs);
    this.#memoryPoll.unref();
  }

  /** The source is pulled whenever the buffer has room for one more item. */
  #mustWait(): boolean {
    return !this.#stopped && this.#buffer.length >= this.#o.bufferSize;
  }

  #admit(line: number | undefined, parse: () => { ok: true; value: unknown } | { ok: false; error: Error }): void {
    const stats = this.#stats;
    const index = stats.totalItems;
    stats.totalItems += 1;
    if (stats.totalItems % 64 === 0) this.#sampleRss();
    const parsed = parse();
    const seq = this.#nextSeq;
    this.#nextSeq += 1;
    this.#buffer.push(
      parsed.ok ? { seq, index, line, ok: true, item: parsed.value as T } : { seq, index, line, ...parsed },
    );
    this.#schedule();
    if (this.#buffer.length > stats.peakBuffered) stats.peakBuffered = this.#buffer.length;
  }

  async #pump(input: StreamInput<T>): Promise<void> {
    const source = openStreamSource(input);
    const splitter = new LineSplitter(this.#o.chunkSize);
    let mode: 'text' | 'records' | undefined;
    let exhausted = false;
    try {
      for (;;) {
        if (!(await this.#room())) return;
        const next = await source.next();
        if (next.done === true) break;
        const chunk: unknown = next.value;
        const isText = typeof chunk === 'string' || chunk instanceof Uint8Array;
        mode ??= isText ? 'text' : 'records';
        if (isText !== (mode === 'text')) throw new TypeError(`${OWNER}: input mixes text chunks and records`);
        if (!isText) {
          if (!this.#stopped) this.#admit(undefined, () => ({ ok: true, value: chunk }));
          continue;
        }
        if (!(await this.#admitLines(splitter.write(chunk)))) return;
      }
      exhausted = true;
      await this.#admitLines(splitter.end());
    } catch (error) {
      exhausted = true;
      this.#stopped = true; // start nothing more; entries() rethrows once in-flight work settles
      this.#sourceError ??= { error };
    } finally {
      this.#pumpDone = true;
      this.#changed.notify();
      if (!exhausted) await closeQuietly(source);
    }
  }

  /** Waits for buffer room; false once stopped. */
  async #room(): Promise<boolean> {
    while (this.#mustWait()) await this.#changed.wait();
    return !this.#stopped;
  }

  /** Admits parsed lines as room allows; false once stopped. */
  async #admitLines(lines: Iterable<RawLine>): Promise<boolean> {
    for (const raw of lines) {
      if (!(await this.#room())) return false;
      this.#admit(raw.line, () => parseJsonLine(raw, this.#o.source));
    }
    return true;
  }
}
