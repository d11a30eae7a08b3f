import { describe, expect, it } from 'vitest';
import { graph, startSchedule } from './scheduler-harness.js';

// running ──► after          (not downstream of the failure)
// failing ──► child ──► grandchild
const NEEDS = { running: [], failing: [], after: ['running'], child: ['failing'], grandchild: ['child'] };

describe('fail-fast (the default)', () => {
  it('aborts in-flight visits, blocks downstream of the failure, cancels the rest', async () => {
    const run = await startSchedule(graph(NEEDS));
    expect(run.started).toEqual(['running', 'failing']);
    await run.settle('failing', 'failed');

    expect(run.signalOf('running').aborted).toBe(true);
    expect(Object.fromEntries(run.skipped)).toEqual({
      child: ['blocked', 'failing'],
      grandchild: ['blocked', 'failing'],
      after: ['cancelled', 'failing failed'],
    });
    // The in-flight visit still gets to report how it ended.
    expect(run.isDone()).toBe(false);
    await run.settle('running', 'cancelled');
    expect(await run.result).toEqual({ failed: ['failing'], isInterrupted: false });
    expect(run.started).toEqual(['running', 'failing']);
  });

  it('does not start a dependent of a visit that finishes after the abort', async () => {
    const run = await startSchedule(graph(NEEDS));
    await run.settle('failing', 'failed');
    await run.settle('running', 'ok');
    expect(run.started).not.toContain('after');
    expect(run.skipped.get('after')?.[0]).toBe('cancelled');
    expect(await run.result).toEqual({ failed: ['failing'], isInterrupted: false });
  });

  it('counts a rejected visit as a failure', async () => {
    const run = await startSchedule(graph({ a: [], b: ['a'] }));
    await run.settle('a', new Error('boom'));
    expect(run.skipped.get('b')).toEqual(['blocked', 'a']);
    expect(await run.result).toEqual({ failed: ['a'], isInterrupted: false });
  });
});
