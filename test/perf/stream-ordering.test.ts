import { describe, it, expect } from 'vitest';
import { StreamProcessor } from '../../src/perf/stream-processor.js';
import type { StreamEntry } from '../../src/perf/stream-processor.js';
import { flush, gatedProcessor } from './helpers.js';

const records = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function collect<T, R>(run: AsyncIterable<StreamEntry<T, R>>, into: StreamEntry<T, R>[]): Promise<void> {
  for await (const entry of run) into.push(entry);
}

describe('StreamProcessor run() ordering', () => {
  it('yields in input order when ordered, even when items finish in reverse', async () => {
    const gated = gatedProcessor<number>();
    const seen: StreamEntry<number, number>[] = [];
    const done = collect(new StreamProcessor(gated.processor, { maxConcurrency: 6 }).run(records(6)), seen);
    await flush();
    for (let i = 5; i > 0; i -= 1) {
      gated.release(i);
      await flush(3);
    }
    expect(seen).toEqual([]); // everything waits for item 0
    gated.release(0);
    await done;
    expect(seen.map((e) => e.index)).toEqual(records(6));
    expect(seen.every((e) => e.ok)).toBe(true);
  });

  it('yields in completion order when ordered is false', async () => {
    const gated = gatedProcessor<number>();
    const seen: StreamEntry<number, number>[] = [];
    const done = collect(
      new StreamProcessor(gated.processor, { maxConcurrency: 4, ordered: false }).run(records(4)),
      seen,
    );
    await flush();
    for (const i of [2, 0, 3, 1]) {
      gated.release(i);
      await flush(3);
    }
    await done;
    expect(seen.map((e) => e.index)).toEqual([2, 0, 3, 1]);
  });

  it('bounds the reorder window to bufferSize + maxConcurrency while the first item is slow', async () => {
    const gated = gatedProcessor<number>();
    const processor = async (n: number, index: number, signal: AbortSignal): Promise<number> => {
      if (index !== 0) gated.release(index);
      return gated.processor(n, index, signal);
    };
    const seen: StreamEntry<number, number>[] = [];
    const done = collect(new StreamProcessor(processor, { bufferSize: 3, maxConcurrency: 2 }).run(records(50)), seen);
    await flush(50);
    // Item 0 in flight plus 4 finished results held: the window of 3 + 2 is full.
    expect(gated.state.started).toBe(5);
    expect(gated.state.finished).toBe(4);
    expect(seen).toEqual([]);
    gated.release(0);
    await done;
    expect(seen.map((e) => e.index)).toEqual(records(50));
  });

  it('yields failures in place, with their identity', async () => {
    const processor = (n: number): number => {
      if (n === 1) throw new Error('one');
      return n * 2;
    };
    const seen: StreamEntry<number, number>[] = [];
    await collect(new StreamProcessor(processor).run(records(3)), seen);
    expect(seen).toEqual([
      { ok: true, index: 0, item: 0, result: 0 },
      { ok: false, index: 1, item: 1, error: new Error('one') },
      { ok: true, index: 2, item: 2, result: 4 },
    ]);
  });

  it('returns the stats as the generator result', async () => {
    const run = new StreamProcessor((n: number) => n).run(records(3));
    let next = await run.next();
    while (next.done !== true) next = await run.next();
    expect(next.value).toMatchObject({ totalItems: 3, processedItems: 3, failedItems: 0 });
    expect(next.value.memoryUsage).toBeGreaterThan(0);
  });

  it('holds results until the consumer asks: a paused consumer pauses the work', async () => {
    let started = 0;
    const run = new StreamProcessor(
      (n: number) => {
        started += 1;
        return n;
      },
      { bufferSize: 4, maxConcurrency: 2 },
    ).run(records(100));
    expect((await run.next()).value).toMatchObject({ index: 0 });
    await flush(50);
    expect(started).toBeLessThanOrEqual(1 + 4 + 2);
    let count = 1;
    for await (const _entry of run) count += 1;
    expect(count).toBe(100);
  });
});
