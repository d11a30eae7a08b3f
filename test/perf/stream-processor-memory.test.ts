// StreamProcessor's maxMemory (a map stage's maxMemory with stream: true):
// no new item starts while the heap is above it and another is in flight;
// alone, an item always starts, so a heap held by something else never
// stops the stream.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamProcessor } from '../../src/perf/stream-processor.js';
import { flush, gatedProcessor } from './helpers.js';

const MB = 1024 * 1024;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamProcessor maxMemory', () => {
  it('starts one item at a time while over the limit (never deadlocks), all of them once it falls', async () => {
    let heap = 200 * MB;
    const gated = gatedProcessor<number>();
    const run = new StreamProcessor(gated.processor, {
      maxConcurrency: 4,
      maxMemory: 100,
      memoryUsage: () => heap,
    }).process(range(10));
    await flush();
    expect(gated.state.started).toBe(1); // nothing else in flight: proceeds with one anyway
    gated.release(0);
    await flush();
    expect(gated.state.started).toBe(2);
    expect(gated.state.inFlight).toBe(1);
    heap = 50 * MB;
    gated.release(1);
    await flush();
    expect(gated.state.inFlight).toBe(4);
    gated.releaseAll();
    expect((await run).items).toEqual(range(10));
  });

  it('looks again on the poll timer when memory falls while an item is still in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let heap = 200 * MB;
    const gated = gatedProcessor<number>();
    const run = new StreamProcessor(gated.processor, {
      maxConcurrency: 3,
      maxMemory: 100,
      memoryPollMs: 25,
      memoryUsage: () => heap,
    }).process(range(6));
    await flush();
    expect(gated.state.started).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    await flush();
    expect(gated.state.started).toBe(1); // still over the limit: paused
    heap = 10 * MB;
    await vi.advanceTimersByTimeAsync(25);
    await flush();
    expect(gated.state.started).toBe(3); // item 0 still pending, the rest resumed
    gated.releaseAll();
    expect((await run).items).toEqual(range(6));
  });

  it('never holds an item while the heap is under the limit', async () => {
    const gated = gatedProcessor<number>();
    const run = new StreamProcessor(gated.processor, {
      maxConcurrency: 3,
      maxMemory: 1_000_000,
      memoryUsage: () => 1 * MB,
    }).process(range(3));
    await flush();
    expect(gated.state.inFlight).toBe(3);
    gated.releaseAll();
    expect((await run).items).toEqual(range(3));
  });
});
