import { describe, expect, it } from 'vitest';
import { graph, startSchedule } from './scheduler-harness.js';

const NEEDS = { running: [], failing: [], after: ['running'], child: ['failing'], grandchild: ['child'] };

describe('--keep-going', () => {
  it('finishes every branch not downstream of the failure', async () => {
    const run = await startSchedule(graph(NEEDS), { isKeepGoing: true });
    await run.settle('failing', 'failed');
    expect(run.signalOf('running').aborted).toBe(false);
    expect(Object.fromEntries(run.skipped)).toEqual({
      child: ['blocked', 'failing'],
      grandchild: ['blocked', 'failing'],
    });

    await run.settle('running', 'ok');
    expect(run.started).toEqual(['running', 'failing', 'after']);
    await run.settle('after', 'ok');
    expect(await run.result).toEqual({ failed: ['failing'], isInterrupted: false });
  });

  it('collects every failure', async () => {
    const run = await startSchedule(graph({ a: [], b: [], c: [] }), { isKeepGoing: true });
    await run.settle('b', 'failed');
    await run.settle('a', 'failed');
    expect(run.signalOf('c').aborted).toBe(false);
    await run.settle('c', 'ok');
    expect(await run.result).toEqual({ failed: ['b', 'a'], isInterrupted: false });
  });
});
