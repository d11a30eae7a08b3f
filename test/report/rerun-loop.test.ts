import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RerunLoop } from '../../src/cli/commands/rerun-loop.js';

/** A run that stays in progress until the test finishes it. */
function controlledRuns(): { run: () => Promise<void>; started: number; finish: () => Promise<void> } {
  const pending: (() => void)[] = [];
  const state = {
    started: 0,
    run: () => {
      state.started++;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    finish: async () => {
      pending.shift()?.();
      await vi.advanceTimersByTimeAsync(0);
    },
  };
  return state;
}

describe('--watch rerun rule', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('debounces: a burst of changes starts one run, 200 ms after the last change', async () => {
    const runs = controlledRuns();
    const loop = new RerunLoop({ debounceMs: 200, run: runs.run });
    loop.trigger();
    await vi.advanceTimersByTimeAsync(150);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(150);
    expect(runs.started).toBe(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(runs.started).toBe(1);
    await runs.finish();
    await loop.stop();
  });

  it('queues exactly one rerun for any number of changes during a run', async () => {
    const runs = controlledRuns();
    const loop = new RerunLoop({ debounceMs: 200, run: runs.run });
    loop.runNow();
    expect(runs.started).toBe(1);
    for (let i = 0; i < 5; i++) loop.trigger();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.started).toBe(1); // runs never overlap
    await runs.finish();
    await vi.advanceTimersByTimeAsync(200);
    expect(runs.started).toBe(2);
    await runs.finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.started).toBe(2);
    expect(loop.isIdle).toBe(true);
    await loop.stop();
  });

  it('stop() waits for the run in progress and drops a queued one', async () => {
    const runs = controlledRuns();
    const loop = new RerunLoop({ debounceMs: 200, run: runs.run });
    loop.runNow();
    loop.trigger();
    let isStopped = false;
    const stopping = loop.stop().then(() => (isStopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(isStopped).toBe(false);
    await runs.finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.started).toBe(1);
  });

  it('reports a run that throws and keeps going', async () => {
    const errors: string[] = [];
    let calls = 0;
    const loop = new RerunLoop({
      debounceMs: 10,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      onError: (error) => errors.push(error.message),
    });
    loop.runNow();
    await vi.advanceTimersByTimeAsync(0);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(10);
    expect([calls, errors]).toEqual([2, ['boom']]);
    await loop.stop();
  });

  it('checks its option', () => {
    expect(() => new RerunLoop({ debounceMs: -1, run: async () => {} })).toThrow(
      'debounceMs must be a number >= 0, got -1',
    );
  });
});
