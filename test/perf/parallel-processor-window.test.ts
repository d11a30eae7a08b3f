import { describe, it, expect } from 'vitest';
import { ParallelProcessor } from '../../src/perf/parallel-processor.js';
import { flush, gatedProcessor } from './helpers.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('ParallelProcessor sliding window', () => {
  it('keeps exactly `concurrency` items in flight, never more', async () => {
    const gated = gatedProcessor<number>();
    const run = new ParallelProcessor(gated.processor, { concurrency: 5, batchSize: 3 }).process(range(40));
    await flush();
    expect(gated.state.inFlight).toBe(5);
    // Release one at a time: each completion admits exactly one new item.
    for (let i = 0; i < 40; i += 1) {
      gated.release(i);
      await flush(3);
      expect(gated.state.inFlight).toBe(Math.min(5, 40 - i - 1));
    }
    const { results } = await run;
    expect(results).toEqual(range(40));
    expect(gated.state.maxInFlight).toBe(5);
  });

  it('reaches the concurrency with a default batchSize and many fast items', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const processor = async (n: number): Promise<number> => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return n * 2;
    };
    const { results } = await new ParallelProcessor(processor, { concurrency: 7 }).process(range(500));
    expect(maxInFlight).toBe(7);
    expect(results).toEqual(range(500).map((n) => n * 2));
  });

  it('does not stall at batch boundaries while one item is slow', async () => {
    const gated = gatedProcessor<number>();
    const fast = new Set(range(30).slice(1));
    const processor = async (n: number, index: number, signal: AbortSignal): Promise<number> => {
      if (fast.has(n)) gated.release(index);
      return gated.processor(n, index, signal);
    };
    const run = new ParallelProcessor(processor, { concurrency: 3, batchSize: 4 }).process(range(30));
    await flush(200);
    // Item 0 is still pending, yet the other two slots processed everything else.
    expect(gated.state.finished).toBe(29);
    expect(gated.state.inFlight).toBe(1);
    gated.release(0);
    const { results, stats } = await run;
    expect(results).toEqual(range(30));
    expect(stats.totalProcessed).toBe(30);
  });

  it('pulls an async source lazily: at most concurrency + batchSize items held un-started', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 100; i += 1) {
        pulled += 1;
        yield i;
      }
    }
    const gated = gatedProcessor<number>();
    const run = new ParallelProcessor(gated.processor, { concurrency: 2, batchSize: 5 }).process(source());
    await flush();
    expect(gated.state.started).toBe(2);
    expect(pulled - gated.state.started).toBeLessThanOrEqual(2 + 5);
    let maxHeld = 0;
    for (let i = 0; i < 100; i += 1) {
      gated.release(i);
      await flush(3);
      maxHeld = Math.max(maxHeld, pulled - gated.state.started);
    }
    const { results } = await run;
    expect(results).toEqual(range(100));
    expect(maxHeld).toBeLessThanOrEqual(2 + 5);
  });

  it('runs every item exactly once, from sync and async sources', async () => {
    for (const concurrency of [1, 3, 16, 200]) {
      for (const batchSize of [1, 7, 50]) {
        const calls = new Map<number, number>();
        const processor = async (n: number, index: number): Promise<number> => {
          calls.set(index, (calls.get(index) ?? 0) + 1);
          if (n % 3 === 0) await Promise.resolve();
          return n;
        };
        async function* asyncSource(): AsyncGenerator<number> {
          yield* range(101);
        }
        for (const items of [range(101), asyncSource()]) {
          calls.clear();
          const { results, stats } = await new ParallelProcessor(processor, { concurrency, batchSize }).process(items);
          expect(results).toEqual(range(101));
          expect([...calls.keys()].sort((a, b) => a - b)).toEqual(range(101));
          expect([...calls.values()].every((count) => count === 1)).toBe(true);
          expect(stats.totalProcessed).toBe(101);
        }
      }
    }
  });

  it('handles an empty source', async () => {
    const progress: [number, number][] = [];
    const result = await new ParallelProcessor((n: number) => n, {
      progressCallback: (done, total) => progress.push([done, total]),
    }).process([]);
    expect(result.results).toEqual([]);
    expect(result.stats).toMatchObject({ totalProcessed: 0, successful: 0, failed: 0 });
    expect(progress).toEqual([[0, 0]]);
  });
});
