// In-process stage code that waits on a promise nothing can ever settle
// (a callback never called, a resolve() never reached): with no timer, I/O,
// child process or worker left, Node would exit in the middle of the run,
// with status 0 and nothing said. The run watches for that moment (the
// process's 'beforeExit' while it is still going) and fails the stages
// still working, so the run ends, is recorded, and says which stage hung.

const STALLED =
  'never finished: its code is waiting on a promise that nothing can settle (no timer, I/O, child process or worker was left to settle it; a resolve or callback that is never called?)';

export class StallWatch {
  #controller = new AbortController();
  readonly #isBusy: () => boolean;
  readonly #onIdle = (): void => {
    if (!this.#isBusy()) return;
    const stalled = this.#controller;
    // Stages that start after this one get a signal of their own.
    this.#controller = new AbortController();
    stalled.abort(new Error(STALLED));
    // What that settles may be promises only; a turn of the loop lets Node see whether it is stuck again.
    setImmediate(() => {});
  };

  /** `isBusy`: whether anything is waited on now (a worker between batches is idle, and may exit). */
  constructor(isBusy: () => boolean = () => true) {
    this.#isBusy = isBusy;
    process.on('beforeExit', this.#onIdle);
  }

  /** Aborted when the process runs out of work while the stages holding it are still going. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  stop(): void {
    process.off('beforeExit', this.#onIdle);
  }
}

/** `work`, or the signal's reason once it aborts, whichever comes first (the work goes on unobserved). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A promise, or anything `await` would wait on. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
