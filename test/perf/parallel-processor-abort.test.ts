import { describe, it, expect } from 'vitest';
import { ParallelProcessor } from '../../src/perf/parallel-processor.js';
import { flush, gatedProcessor } from './helpers.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('ParallelProcessor abort', () => {
  it('starts nothing new, passes the aborted signal in flight, and rejects once in-flight items settle', async () => {
    const controller = new AbortController();
    const gated = gatedProcessor<number>();
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield* range(100);
      } finally {
        closed = true;
      }
    }
    const run = new ParallelProcessor(gated.processor, { concurrency: 3, signal: controller.signal }).process(source());
    let settled = false;
    run.catch(() => undefined).finally(() => (settled = true));
    await flush();
    expect(gated.state.started).toBe(3);
    controller.abort();
    await flush();
    expect(gated.signals.every((signal) => signal.aborted)).toBe(true);
    expect(settled).toBe(false);
    gated.release(0);
    await flush();
    expect(gated.state.started).toBe(3); // the freed slot was not refilled
    expect(settled).toBe(false);
    gated.releaseAll();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(gated.state.inFlight).toBe(0);
    expect(gated.state.started).toBe(3);
    expect(closed).toBe(true);
  });

  it('rejects with the signal reason without calling the processor when already aborted', async () => {
    const controller = new AbortController();
    const reason = new DOMException('stop', 'AbortError');
    controller.abort(reason);
    let calls = 0;
    const run = new ParallelProcessor(() => (calls += 1), { signal: controller.signal }).process(range(5));
    await expect(run).rejects.toBe(reason);
    expect(calls).toBe(0);
  });
});
