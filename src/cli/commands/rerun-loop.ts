// The scheduling rule of `--watch`, apart from any file watching: triggers
// are debounced; a trigger during a run queues exactly one rerun (however
// many arrive), started a debounce after the run ends; runs never overlap.

export interface RerunLoopOptions {
  debounceMs: number;
  run: () => Promise<void>;
  /** A run that threw: reported, and the loop goes on. */
  onError?: (error: Error) => void;
}

export class RerunLoop {
  readonly #options: RerunLoopOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #isRunning = false;
  #isQueued = false;
  #isStopped = false;
  #current: Promise<void> = Promise.resolve();

  constructor(options: RerunLoopOptions) {
    if (!Number.isFinite(options.debounceMs) || options.debounceMs < 0)
      throw new Error(`RerunLoop: debounceMs must be a number >= 0, got ${String(options.debounceMs)}`);
    this.#options = options;
  }

  /** Neither running nor waiting to run. */
  get isIdle(): boolean {
    return !this.#isRunning && this.#timer === undefined;
  }

  trigger(): void {
    if (this.#isStopped) return;
    if (this.#isRunning) {
      this.#isQueued = true;
      return;
    }
    this.#schedule();
  }

  /** Runs at once (the first run of `--watch`); a run in progress queues one instead. */
  runNow(): void {
    if (this.#isStopped) return;
    if (this.#isRunning) {
      this.#isQueued = true;
      return;
    }
    this.#clear();
    this.#current = this.#run();
  }

  /** No more runs; resolves when the one in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#clear();
    await this.#current;
  }

  #schedule(): void {
    this.#clear();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#current = this.#run();
    }, this.#options.debounceMs);
  }

  async #run(): Promise<void> {
    this.#isRunning = true;
    try {
      await this.#options.run();
    } catch (error) {
      this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#isRunning = false;
    }
    if (this.#isQueued && !this.#isStopped) {
      this.#isQueued = false;
      this.#schedule();
    }
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
