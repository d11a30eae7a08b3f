import { describe, it, expect } from 'vitest';
import { ParallelProcessor } from '../../src/perf/parallel-processor.js';
import { deferred, flush, gatedProcessor } from './helpers.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('ParallelProcessor results', () => {
  it('keeps input order when items finish in reverse', async () => {
    const gated = gatedProcessor<string>();
    const items = range(8).map((i) => `item-${i}`);
    const run = new ParallelProcessor(gated.processor, { concurrency: 8 }).process(items);
    await flush();
    for (let i = 7; i >= 0; i -= 1) {
      gated.release(i);
      await flush(2);
    }
    expect((await run).results).toEqual(items);
  });

  it('reports each failure with its item, index and an Error, and leaves it out of results', async () => {
    const processor = async (n: number): Promise<number> => {
      if (n === 2) throw new RangeError('two');
      if (n === 5) return Promise.reject(new Error('five'));
      if (n === 7) throw 'seven'; // not an Error: wrapped
      return n * 10;
    };
    const { results, errors, stats } = await new ParallelProcessor(processor, { concurrency: 3 }).process(range(9));
    expect(results).toEqual([0, 10, 30, 40, 60, 80]);
    expect(errors.map(({ item, index }) => [item, index])).toEqual([
      [2, 2],
      [5, 5],
      [7, 7],
    ]);
    expect(errors[0]?.error).toBeInstanceOf(RangeError);
    expect(errors[2]?.error).toBeInstanceOf(Error);
    expect(errors[2]?.error.message).toBe('seven');
    expect(stats).toMatchObject({ totalProcessed: 9, successful: 6, failed: 3 });
    expect(stats.duration).toBeGreaterThanOrEqual(0);
    expect(stats.memoryPeak).toBeGreaterThan(0);
  });

  it('treats a synchronous throw in the processor as that item failing', async () => {
    const processor = (n: number): number => {
      if (n === 1) throw new Error('sync');
      return n;
    };
    const { results, errors } = await new ParallelProcessor(processor).process([0, 1, 2]);
    expect(results).toEqual([0, 2]);
    expect(errors).toEqual([{ item: 1, index: 1, error: new Error('sync') }]);
  });

  it('reports progress with monotonic done counts, ending at (total, total)', async () => {
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 57; i += 1) {
        if (i % 10 === 0) await Promise.resolve();
        yield i;
      }
    }
    const calls: [number, number][] = [];
    const processor = async (n: number): Promise<number> => {
      if (n % 4 === 0) throw new Error('failures count as done too');
      await new Promise<void>((resolve) => setImmediate(resolve));
      return n;
    };
    await new ParallelProcessor(processor, {
      concurrency: 4,
      batchSize: 5,
      progressCallback: (done, total) => calls.push([done, total]),
    }).process(source());
    expect(calls.length).toBeGreaterThanOrEqual(57);
    for (let i = 1; i < calls.length; i += 1) {
      const [done, total] = calls[i] ?? [0, 0];
      const [prevDone, prevTotal] = calls[i - 1] ?? [0, 0];
      expect(done).toBeGreaterThanOrEqual(prevDone);
      expect(total).toBeGreaterThanOrEqual(prevTotal);
      expect(done).toBeLessThanOrEqual(total);
    }
    expect(calls.at(-1)).toEqual([57, 57]);
  });

  it('reports the real total from the first call when the source knows its length', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    for (const source of [items, new Set(items)]) {
      const calls: [number, number][] = [];
      await new ParallelProcessor(async (n: number) => n, {
        concurrency: 2,
        batchSize: 3,
        progressCallback: (done, total) => calls.push([done, total]),
      }).process(source);
      expect(calls[0]).toEqual([1, 23]);
      expect(new Set(calls.map(([, total]) => total))).toEqual(new Set([23]));
      expect(calls.at(-1)).toEqual([23, 23]);
    }
  });

  it('rejects when the source throws, after in-flight items settle', async () => {
    const gated = gatedProcessor<number>();
    const breakSource = deferred();
    async function* source(): AsyncGenerator<number> {
      yield 0;
      yield 1;
      await breakSource.promise;
      throw new Error('source broke');
    }
    const run = new ParallelProcessor(gated.processor, { concurrency: 4, batchSize: 1 }).process(source());
    let settled = false;
    run.catch(() => undefined).finally(() => (settled = true));
    await flush();
    expect(gated.state.inFlight).toBe(2);
    breakSource.resolve();
    await flush();
    expect(settled).toBe(false);
    gated.releaseAll();
    await expect(run).rejects.toThrow('source broke');
    expect(gated.state.inFlight).toBe(0);
  });
});
