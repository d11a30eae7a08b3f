// Small concurrency limits for map stages.

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
