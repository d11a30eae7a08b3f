// TimeSlices, on a clock the test moves: a piece of work "takes" as long as
// it moves the clock, so which pieces share a turn of the event loop is the
// test's to say, however slow the machine is.
import { describe, expect, it } from 'vitest';
import { TimeSlices } from '../../src/engine/time-slices.js';

/** A clock that moves only when told. */
class Clock {
  ms = 0;
  readonly now = (): number => this.ms;
}

/** Starts `count` pieces of work at once; each logs, takes `ms` of the clock, leaves. */
function startPieces(slices: TimeSlices, clock: Clock, count: number, ms: number, log: string[]): Promise<unknown[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await slices.enter();
      log.push(`piece ${i}`);
      clock.ms += ms;
      slices.leave();
    }),
  );
}

describe('TimeSlices', () => {
  it('runs quick pieces in the order they asked, all in one turn of the event loop', async () => {
    const clock = new Clock();
    const slices = new TimeSlices(4, clock.now);
    const log: string[] = [];
    setImmediate(() => log.push('event loop turn'));
    await startPieces(slices, clock, 10, 0.3, log);
    expect(log).toEqual([...Array.from({ length: 10 }, (_, i) => `piece ${i}`)]);
  });

  it('yields to the event loop once a turn has run for a slice', async () => {
    const clock = new Clock();
    const slices = new TimeSlices(4, clock.now);
    const log: string[] = [];
    setImmediate(() => log.push('event loop turn'));
    await startPieces(slices, clock, 6, 1.5, log);
    // 1.5 + 1.5 + 1.5 passes 4 after the third piece: the loop turns there, then a new slice begins.
    expect(log).toEqual(['piece 0', 'piece 1', 'piece 2', 'event loop turn', 'piece 3', 'piece 4', 'piece 5']);
  });

  it('yields after every piece when each outlasts a slice', async () => {
    const clock = new Clock();
    const slices = new TimeSlices(4, clock.now);
    const log: string[] = [];
    const turns = (): void => {
      log.push('event loop turn');
      if (log.length < 8) setImmediate(turns);
    };
    setImmediate(turns);
    await startPieces(slices, clock, 4, 5, log);
    expect(log.filter((entry) => entry.startsWith('piece'))).toEqual(['piece 0', 'piece 1', 'piece 2', 'piece 3']);
    for (let i = 1; i < 4; i++) expect(log[log.indexOf(`piece ${i}`) - 1]).toBe('event loop turn');
  });

  it('is free again once every piece has left', async () => {
    const clock = new Clock();
    const slices = new TimeSlices(4, clock.now);
    await startPieces(slices, clock, 3, 5, []);
    const log: string[] = [];
    setImmediate(() => log.push('event loop turn'));
    await startPieces(slices, clock, 2, 0, log);
    expect(log).toEqual(['piece 0', 'piece 1']);
  });
});
