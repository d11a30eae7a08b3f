import { describe, it, expect, vi, afterEach } from 'vitest';
import { ParallelProcessor } from '../../src/perf/parallel-processor.js';
import { flush, gatedProcessor } from './helpers.js';

const MB = 1024 * 1024;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

afterEach(() => {
  vi.useRealTimers();
});

describe('ParallelProcessor maxMemory', () => {
  it('starts one item at a time while over the limit (never deadlocks), all of them once it falls', async () => {
    let heap = 200 * MB;
    const gated = gatedProcessor<number>();
    const run = new ParallelProcessor(gated.processor, {
      concurrency: 4,
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
    const { results, stats } = await run;
    expect(results).toEqual(range(10));
    expect(stats.memoryPeak).toBe(200 * MB);
  });

  it('resumes on the poll timer when memory falls while an item is still in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let heap = 200 * MB;
    const gated = gatedProcessor<number>();
    const run = new ParallelProcessor(gated.processor, {
      concurrency: 3,
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
    expect(gated.state.started).toBe(3); // item 0 still pending, intake resumed
    gated.releaseAll();
    expect((await run).results).toEqual(range(6));
  });

  it('reads the memory limit in MB of heapUsed', async () => {
    const readings: number[] = [];
    const { results } = await new ParallelProcessor((n: number) => n, {
      maxMemory: 1.5,
      memoryUsage: () => {
        readings.push(1.5 * MB); // exactly at the limit is not over it
        return 1.5 * MB;
      },
    }).process(range(20));
    expect(results).toEqual(range(20));
    expect(readings.length).toBeGreaterThan(0);
  });
});
