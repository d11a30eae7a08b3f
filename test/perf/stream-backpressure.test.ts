import { describe, it, expect } from 'vitest';
import { StreamProcessor } from '../../src/perf/stream-processor.js';
import type { Backpressure } from '../../src/perf/stream-processor.js';
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
  for (const backpressure of ['buffer', 'throttle'] as Backpressure[]) {
    it(`${backpressure}: pauses a fast source so peakBuffered <= bufferSize, losing nothing`, async () => {
      let started = 0;
      const processor = async (item: { n: number }): Promise<number> => {
        started += 1;
        return (await slowIdentity(item)).n;
      };
      const { probe, records } = countingSource(2000, () => started);
      const { items, stats } = await new StreamProcessor(processor, {
        backpressure,
        bufferSize: 16,
        maxConcurrency: 3,
      }).process(records);
      expect(items).toEqual(Array.from({ length: 2000 }, (_, n) => n));
      expect(stats.peakBuffered).toBe(16); // the processor is slow enough to fill it...
      expect(probe.maxLead).toBeLessThanOrEqual(16); // ...and the source was not read ahead of it
      expect(stats).toMatchObject({ totalItems: 2000, processedItems: 2000, droppedItems: 0, failedItems: 0 });
    });

    it(`${backpressure}: splits one huge text chunk lazily, keeping peakBuffered <= bufferSize`, async () => {
      const text = Array.from({ length: 3000 }, (_, n) => JSON.stringify({ n })).join('\n');
      const { items, stats } = await new StreamProcessor(slowIdentity, { backpressure, bufferSize: 10 }).process([
        text,
      ]);
      expect(items).toHaveLength(3000);
      expect(stats.peakBuffered).toBeLessThanOrEqual(10);
      expect(stats.droppedItems).toBe(0);
    });
  }

  it('buffer refills one item per freed slot; throttle waits until the buffer has drained to half', async () => {
    const pulledAfter = async (backpressure: Backpressure, releases: number[]): Promise<number[]> => {
      const gated = gatedProcessor<{ n: number }>();
      const { probe, records } = countingSource(100, () => gated.state.started);
      const run = new StreamProcessor(gated.processor, { backpressure, bufferSize: 10, maxConcurrency: 1 }).process(
        records,
      );
      const seen: number[] = [];
      await flush();
      seen.push(probe.pulled);
      for (const index of releases) {
        gated.release(index);
        await flush();
        seen.push(probe.pulled);
      }
      gated.releaseAll();
      expect((await run).stats.processedItems).toBe(100);
      return seen;
    };
    // One in flight plus ten buffered, then each release frees one buffer slot.
    expect(await pulledAfter('buffer', [0, 1, 2, 3, 4])).toEqual([11, 12, 13, 14, 15, 16]);
    // Throttle resumes only at 5 buffered (after the 5th release), then refills to 10 at once.
    expect(await pulledAfter('throttle', [0, 1, 2, 3, 4])).toEqual([11, 11, 11, 11, 11, 16]);
  });

  it('drop: never pauses the source and counts every dropped record', async () => {
    const gated = gatedProcessor<unknown>();
    const lines = Array.from({ length: 20 }, (_, n) => (n === 1 ? '{broken' : JSON.stringify({ n })));
    let pulled = 0;
    function* source(): Generator<string> {
      for (const line of lines) {
        pulled += 1;
        yield `${line}\n`;
      }
    }
    const run = new StreamProcessor(gated.processor, {
      backpressure: 'drop',
      bufferSize: 3,
      maxConcurrency: 1,
    }).process(source());
    await flush();
    expect(pulled).toBe(20); // the source was read to the end while the processor was blocked
    gated.releaseAll();
    const { items, errors, stats } = await run;
    // Line 1 in flight, line 2 failed to parse (needs no slot), lines 3-5 buffered, the rest dropped.
    expect(items).toEqual([{ n: 0 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(errors.map((e) => [e.line, e.index])).toEqual([[2, 1]]);
    expect(stats).toMatchObject({
      totalItems: 20,
      processedItems: 4,
      failedItems: 1,
      droppedItems: 15,
      peakBuffered: 3,
    });
  });

  it('drop: totalItems = processed + dropped + failed under load', async () => {
    async function* source(): AsyncGenerator<string> {
      for (let n = 0; n < 3000; n += 1) yield n % 97 === 0 ? 'oops\n' : `{"n":${n}}\n`;
    }
    const processor = async (record: { n: number }): Promise<number> => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (record.n % 5 === 0) throw new Error('processor failure');
      return record.n;
    };
    const { items, errors, stats } = await new StreamProcessor(processor, {
      backpressure: 'drop',
      bufferSize: 8,
    }).process(source());
    expect(stats.totalItems).toBe(3000);
    expect(stats.droppedItems).toBeGreaterThan(0);
    expect(stats.processedItems + stats.droppedItems + stats.failedItems).toBe(stats.totalItems);
    expect(items).toHaveLength(stats.processedItems);
    expect(errors).toHaveLength(stats.failedItems);
    expect(stats.peakBuffered).toBeLessThanOrEqual(8);
  });
});
