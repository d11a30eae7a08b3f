// Runs pieces of synchronous work in the order they ask, several in one turn
// of the event loop while they are quick, and yields to the loop (I/O
// callbacks, timers) once a turn has run for `sliceMs`. Deciding a stage
// hashes its inputs on the main thread: a cold run's first 20 stages hash
// 2,000 files, and without a break the first stage would start only after
// all of them; a no-op's 100 quick decisions still run in one turn.
//
//   await slices.enter();   // my turn
//   ...synchronous work...
//   slices.leave();         // the next one goes now, or after a yield

export class TimeSlices {
  readonly #sliceMs: number;
  readonly #now: () => number;
  readonly #waiting: (() => void)[] = [];
  #isBusy = false;
  #sliceStart = 0;

  /** `now`: the clock slices are measured by (a test's own, to say when time passes). */
  constructor(sliceMs = 4, now: () => number = () => performance.now()) {
    this.#sliceMs = sliceMs;
    this.#now = now;
  }

  enter(): Promise<void> {
    if (!this.#isBusy) {
      this.#isBusy = true;
      this.#sliceStart = this.#now();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  leave(): void {
    const next = this.#waiting.shift();
    if (!next) {
      this.#isBusy = false;
      return;
    }
    if (this.#now() - this.#sliceStart < this.#sliceMs) {
      next();
      return;
    }
    setImmediate(() => {
      this.#sliceStart = this.#now();
      next();
    });
  }
}
