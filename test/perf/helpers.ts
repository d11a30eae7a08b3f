// Deterministic scheduling helpers for the perf tests: no sleeps, only
// promises the test resolves by hand and turns of the event loop.

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise chains and I/O callbacks run: `turns` trips through the event loop. */
export async function flush(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A processor whose calls stay pending until the test releases them, with
 * counters for how many started, how many are in flight and the peak.
 */
export function gatedProcessor<T>() {
  const gates = new Map<number, Deferred<void>>();
  const calls = new Map<number, number>();
  const signals: AbortSignal[] = [];
  const state = { started: 0, inFlight: 0, maxInFlight: 0, finished: 0 };
  let open = false;
  const gate = (index: number): Deferred<void> => {
    let d = gates.get(index);
    if (d === undefined) {
      d = deferred();
      if (open) d.resolve();
      gates.set(index, d);
    }
    return d;
  };
  const processor = async (item: T, index: number, signal: AbortSignal): Promise<T> => {
    calls.set(index, (calls.get(index) ?? 0) + 1);
    signals.push(signal);
    state.started += 1;
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      await gate(index).promise;
      return item;
    } finally {
      state.inFlight -= 1;
      state.finished += 1;
    }
  };
  return {
    processor,
    state,
    calls,
    signals,
    release: (index: number) => gate(index).resolve(),
    fail: (index: number, error: unknown) => gate(index).reject(error),
    /** Releases every pending call and lets all later calls through at once. */
    releaseAll: () => {
      open = true;
      for (const d of gates.values()) d.resolve();
    },
  };
}
