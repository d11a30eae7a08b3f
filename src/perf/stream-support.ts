// Small pieces StreamProcessor is built from: opening its input and holding
// finished results until they may be yielded.
import { inspect } from 'node:util';
import { Queue } from './queue.js';

type AnySource = Iterator<unknown> | AsyncIterator<unknown>;

/**
 * Opens any async or sync iterable. A bare string or Buffer is one text chunk
 * (iterating it would yield characters or byte values, never what is meant).
 */
export function openStreamSource(input: unknown): AnySource {
  if (typeof input === 'string' || input instanceof Uint8Array) return [input][Symbol.iterator]();
  const candidate = input as Partial<Iterable<unknown> & AsyncIterable<unknown>> | null | undefined;
  const openAsync = candidate?.[Symbol.asyncIterator];
  if (typeof openAsync === 'function') return openAsync.call(candidate);
  const openSync = candidate?.[Symbol.iterator];
  if (typeof openSync === 'function') return openSync.call(candidate);
  throw new TypeError(
    `StreamProcessor: input must be a readable stream or an iterable, got ${inspect(input, { depth: 0 })}`,
  );
}

export async function closeQuietly(source: AnySource): Promise<void> {
  try {
    await source.return?.();
  } catch {
    // Closing after a failure or an early stop: a second error adds nothing.
  }
}

/**
 * Finished results waiting to be yielded. Ordered: keyed by sequence number,
 * released only when the next expected one is present. Unordered: plain FIFO.
 */
export class ReadyResults<E> {
  readonly #ordered: boolean;
  readonly #bySeq = new Map<number, E>();
  readonly #fifo = new Queue<E>();
  #nextSeq = 0;

  constructor(ordered: boolean) {
    this.#ordered = ordered;
  }

  get size(): number {
    return this.#ordered ? this.#bySeq.size : this.#fifo.length;
  }

  put(seq: number, entry: E): void {
    if (this.#ordered) this.#bySeq.set(seq, entry);
    else this.#fifo.push(entry);
  }

  take(): E | undefined {
    if (!this.#ordered) return this.#fifo.shift();
    const entry = this.#bySeq.get(this.#nextSeq);
    if (entry === undefined) return undefined;
    this.#bySeq.delete(this.#nextSeq);
    this.#nextSeq += 1;
    return entry;
  }
}
