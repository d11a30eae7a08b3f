// Processes a JSONL byte stream (or a stream of records) with bounded memory:
// a pump pulls from the source into a bounded buffer, a scheduler starts up to
// maxConcurrency processor calls, and run() yields the outcomes.
import type { Readable } from 'node:stream';
import { heapUsed } from './memory.js';
import {
  booleanOption,
  functionOption,
  integerOption,
  positiveNumberOption,
  optionBag,
  requireFunction,
  signalOption,
  stringOption,
} from './options.js';
import { StreamRun } from './stream-run.js';

export type StreamItemProcessor<T, R> = (item: T, index: number, signal: AbortSignal) => Promise<R> | R;
export type StreamInput<T> = NodeJS.ReadableStream | Readable | AsyncIterable<T | string | Buffer> | Iterable<T>;

export interface StreamProcessorOptions {
  /** Bytes decoded and split at a time when the input is a byte stream. */
  chunkSize?: number;
  maxConcurrency?: number;
  /** Most parsed items waiting to be processed. */
  bufferSize?: number;
  ordered?: boolean;
  signal?: AbortSignal;
  /** Dataset name used in error messages (`events.jsonl:17: ...`). */
  source?: string;
  /** MB of heapUsed above which no new item starts (while another is still in flight). */
  maxMemory?: number;
  memoryPollMs?: number;
  /** Returns heapUsed in bytes; injectable for tests. */
  memoryUsage?: () => number;
}

/** One outcome per record; `index` is the record's position in the input. */
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
  /** Always processedItems + failedItems. */
  totalItems: number;
  processedItems: number;
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

const OWNER = 'StreamProcessor';

export class StreamProcessor<T, R> {
  readonly #processor: StreamItemProcessor<T, R>;
  readonly #chunkSize: number;
  readonly #maxConcurrency: number;
  readonly #bufferSize: number;
  readonly #ordered: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #source: string | undefined;
  readonly #maxMemoryBytes: number | undefined;
  readonly #memoryPollMs: number;
  readonly #memoryUsage: () => number;

  constructor(processor: StreamItemProcessor<T, R>, options?: StreamProcessorOptions) {
    this.#processor = requireFunction(OWNER, 'processor', processor);
    const bag = optionBag(OWNER, options);
    this.#chunkSize = integerOption(OWNER, bag, 'chunkSize', 64 * 1024, 1);
    this.#maxConcurrency = integerOption(OWNER, bag, 'maxConcurrency', 4, 1);
    this.#bufferSize = integerOption(OWNER, bag, 'bufferSize', 1000, 1);
    this.#ordered = booleanOption(OWNER, bag, 'ordered', true);
    this.#signal = signalOption(OWNER, bag);
    const source = stringOption(OWNER, bag, 'source', '');
    this.#source = source === '' ? undefined : source;
    const maxMemory = positiveNumberOption(OWNER, bag, 'maxMemory');
    this.#maxMemoryBytes = maxMemory === undefined ? undefined : maxMemory * 1024 * 1024;
    this.#memoryPollMs = integerOption(OWNER, bag, 'memoryPollMs', 50, 1);
    this.#memoryUsage = functionOption<() => number>(OWNER, bag, 'memoryUsage') ?? heapUsed;
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
  run(input: StreamInput<T>): AsyncGenerator<StreamEntry<T, R>, StreamStats, undefined> {
    return new StreamRun<T, R>({
      processor: this.#processor,
      chunkSize: this.#chunkSize,
      maxConcurrency: this.#maxConcurrency,
      bufferSize: this.#bufferSize,
      ordered: this.#ordered,
      signal: this.#signal,
      source: this.#source,
      maxMemoryBytes: this.#maxMemoryBytes,
      memoryPollMs: this.#memoryPollMs,
      memoryUsage: this.#memoryUsage,
    }).entries(input);
  }
}
