import { describe, expect, it } from 'vitest';
import { graph, startSchedule } from './scheduler-harness.js';

describe('an outer AbortSignal (Ctrl-C)', () => {
  it('aborts running visits and cancels everything not started', async () => {
    const controller = new AbortController();
    const run = await startSchedule(graph({ a: [], b: [], c: ['a'], d: ['c'] }), { signal: controller.signal });
    await run.settle('b', 'ok');
    controller.abort(new Error('interrupted'));
    expect(run.signalOf('a').aborted).toBe(true);
    await run.settle('a', 'cancelled');
    expect(Object.fromEntries(run.skipped)).toEqual({ c: ['cancelled', 'a'], d: ['cancelled', 'a'] });
    expect(await run.result).toEqual({ failed: [], isInterrupted: true });
    expect(run.started).toEqual(['a', 'b']);
  });

  it('cancels with cause "interrupted" what a finished visit would have started', async () => {
    const controller = new AbortController();
    const run = await startSchedule(graph({ a: [], b: ['a'] }), { signal: controller.signal, isKeepGoing: true });
    controller.abort();
    await run.settle('a', 'ok');
    expect(run.started).toEqual(['a']);
    expect(run.skipped.get('b')).toEqual(['cancelled', 'interrupted']);
    expect(await run.result).toEqual({ failed: [], isInterrupted: true });
  });

  it('visits nothing when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await startSchedule(graph({ a: [], b: ['a'] }), { signal: controller.signal });
    expect(run.started).toEqual([]);
    expect(Object.fromEntries(run.skipped)).toEqual({
      a: ['cancelled', 'interrupted'],
      b: ['cancelled', 'interrupted'],
    });
    expect(await run.result).toEqual({ failed: [], isInterrupted: true });
  });
});
