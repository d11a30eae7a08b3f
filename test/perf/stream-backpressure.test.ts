import { describe, it, expect } from 'vitest';
import { StreamProcessor } from '../../src/perf/stream-processor.js';
import { flush, gatedProcessor } from './helpers.js';

const slowIdentity = async <T>(item: T): Promise<T> => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return item;
};

/** A fast source that records, at every pull, how many records were pulled but not yet started. */
function countingSource(count: number, started: () => number) {
  const probe = { pulled: 0, maxLead: 0 };
  function* records(): Generator<{ n: number }> {
    for (let n = 0; n < count; n += 1) {
      probe.maxLead = Math.max(probe.maxLead, probe.pulled - started());
      probe.pulled += 1;
      yield { n };
    }
  }
  return { probe, records: records() };
}

describe('StreamProcessor backpressure', () => {
  it('pauses a fast source so peakBuffered <= bufferSize, losing nothing', async () => {
    let started = 0;
    const processor = async (item: { n: number }): Promise<number> => {
      started += 1;
      return (await slowIdentity(item)).n;
    };
    const { probe, records } = countingSource(2000, () => started);
    const { items, stats } = await new StreamProcessor(processor, { bufferSize: 16, maxConcurrency: 3 }).process(
      records,
    );
    expect(items).toEqual(Array.from({ length: 2000 }, (_, n) => n));
    expect(stats.peakBuffered).toBe(16); // the processor is slow enough to fill it...
    expect(probe.maxLead).toBeLessThanOrEqual(16); // ...and the source was not read ahead of it
    expect(stats).toMatchObject({ totalItems: 2000, processedItems: 2000, failedItems: 0 });
  });

  it('splits one huge text chunk lazily, keeping peakBuffered <= bufferSize', async () => {
    const text = Array.from({ length: 3000 }, (_, n) => JSON.stringify({ n })).join('\n');
    const { items, stats } = await new StreamProcessor(slowIdentity, { bufferSize: 10 }).process([text]);
    expect(items).toHaveLength(3000);
    expect(stats.peakBuffered).toBeLessThanOrEqual(10);
  });

  it('refills one item per freed slot', async () => {
    const gated = gatedProcessor<{ n: number }>();
    const { probe, records } = countingSource(100, () => gated.state.started);
    const run = new StreamProcessor(gated.processor, { bufferSize: 10, maxConcurrency: 1 }).process(records);
    const seen: number[] = [];
    await flush();
    seen.push(probe.pulled);
    for (const index of [0, 1, 2, 3, 4]) {
      gated.release(index);
      await flush();
      seen.push(probe.pulled);
    }
    gated.releaseAll();
    expect((await run).stats.processedItems).toBe(100);
    // One in flight plus ten buffered, then each release frees one buffer slot.
    expect(seen).toEqual([11, 12, 13, 14, 15, 16]);
  });
});
