import { describe, expect, it } from 'vitest';
import { graph, startSchedule } from './scheduler-harness.js';

describe('the scheduler starts ready nodes', () => {
  it('starts every node without needs at once', async () => {
    const run = await startSchedule(graph({ a: [], b: [], c: ['a'] }));
    expect(run.started).toEqual(['a', 'b']);
  });

  it('starts a node as soon as its needs finish, while other nodes still run', async () => {
    const run = await startSchedule(graph({ a: [], slow: [], c: ['a'], d: ['c'] }));
    await run.settle('a', 'ok');
    expect(run.started).toEqual(['a', 'slow', 'c']);
    await run.settle('c', 'ok');
    expect(run.started).toEqual(['a', 'slow', 'c', 'd']);
    expect(run.isDone()).toBe(false);
    await run.settle('d', 'ok');
    await run.settle('slow', 'ok');
    expect(await run.result).toEqual({ failed: [], isInterrupted: false });
    expect(run.skipped.size).toBe(0);
  });

  it('waits for every need of a join', async () => {
    const run = await startSchedule(graph({ a: [], b: [], join: ['a', 'b'] }));
    await run.settle('b', 'ok');
    expect(run.started).not.toContain('join');
    await run.settle('a', 'ok');
    expect(run.started).toContain('join');
    await run.settle('join', 'ok');
    expect(await run.result).toEqual({ failed: [], isInterrupted: false });
  });

  it('visits each node once even when a need is listed twice', async () => {
    const run = await startSchedule(graph({ a: [], b: ['a', 'a'] }));
    await run.settle('a', 'ok');
    expect(run.started).toEqual(['a', 'b']);
    await run.settle('b', 'ok');
    expect(await run.result).toEqual({ failed: [], isInterrupted: false });
  });

  it('treats needs outside the schedule (unselected stages) as done', async () => {
    const run = await startSchedule(graph({ b: ['not-selected'] }));
    expect(run.started).toEqual(['b']);
    await run.settle('b', 'ok');
    expect(await run.result).toEqual({ failed: [], isInterrupted: false });
  });
});
