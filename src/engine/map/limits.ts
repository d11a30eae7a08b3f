// Small concurrency limits for map stages.
import { getHeapStatistics } from 'node:v8';

/**
 * `maxMemory` for streaming stages (ParallelProcessor has its own): a batch
 * waits while the heap is above the limit and another batch is still
 * running, whose end may free memory; alone, it always proceeds.
 */
export class MemoryGate {
  readonly #limitBytes: number;
  #active = 0;

  constructor(limitMb: number) {
    this.#limitBytes = limitMb * 1024 * 1024;
  }

  async enter(signal: AbortSignal): Promise<void> {
    while (this.#active > 0 && getHeapStatistics().used_heap_size > this.#limitBytes) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
    }
    this.#active++;
  }

  leave(): void {
    this.#active--;
  }
}

/** At most `limit` calls at once, FIFO. Lighter than a queue with per-task abort listeners: items run by the thousand. */
export class Semaphore {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Takes a slot when one is free now (no await); false when none is. */
  tryAcquire(): boolean {
    if (this.#active >= this.#limit || this.#waiting.length > 0) return false;
    this.#active++;
    return true;
  }

  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
  }

  release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}
