import { describe, expect, it } from 'vitest';
import { TimeSlices } from '../../src/engine/time-slices.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // burning the slice
  }
}

/** Starts `count` pieces of work at once; each logs, works `ms`, leaves. */
function startPieces(slices: TimeSlices, count: number, ms: number, log: string[]): Promise<unknown[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await slices.enter();
      log.push(`piece ${i}`);
      busy(ms);
      slices.leave();
    }),
  );
}

describe('TimeSlices', () => {
  it('runs quick pieces in the order they asked, all in one turn of the event loop', async () => {
    const slices = new TimeSlices(4);
    const log: string[] = [];
    setImmediate(() => log.push('event loop turn'));
    await startPieces(slices, 10, 0, log);
    expect(log).toEqual([...Array.from({ length: 10 }, (_, i) => `piece ${i}`)]);
  });

  it('yields to the event loop between slices when pieces are long', async () => {
    const slices = new TimeSlices(4);
    const log: string[] = [];
    setImmediate(() => log.push('event loop turn'));
    await startPieces(slices, 4, 5, log);
    // Each piece outlasts a slice: the loop runs after the first one.
    expect(log).toEqual(['piece 0', 'event loop turn', 'piece 1', 'piece 2', 'piece 3']);
  });

  it('is free again once every piece has left', async () => {
    const slices = new TimeSlices(4);
    await startPieces(slices, 3, 5, []);
    const log: string[] = [];
    setImmediate(() => log.push('event loop turn'));
    await startPieces(slices, 2, 0, log);
    expect(log).toEqual(['piece 0', 'piece 1']);
  });
});
