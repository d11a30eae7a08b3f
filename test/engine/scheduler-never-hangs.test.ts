import { describe, expect, it } from 'vitest';
import { schedule } from '../../src/engine/scheduler.js';
import type { VisitResult } from '../../src/engine/scheduler.js';
import { graph, startSchedule } from './scheduler-harness.js';

describe('the scheduler always finishes', () => {
  it('cancels nodes that can never become ready (a cycle) instead of waiting forever', async () => {
    const run = await startSchedule(graph({ a: ['b'], b: ['a'] }));
    expect(run.isDone()).toBe(true);
    expect(run.started).toEqual([]);
    expect(Object.fromEntries(run.skipped)).toEqual({
      a: ['cancelled', 'nothing left to run'],
      b: ['cancelled', 'nothing left to run'],
    });
    expect(await run.result).toEqual({ failed: [], isInterrupted: false });
  });

  it('cancels a cycle left behind once the rest is done', async () => {
    const run = await startSchedule(graph({ free: [], a: ['b', 'free'], b: ['a'] }));
    await run.settle('free', 'ok');
    expect(run.isDone()).toBe(true);
    expect(run.skipped.get('a')?.[0]).toBe('cancelled');
  });

  it('treats a visit that throws synchronously as failed', async () => {
    const skipped: string[] = [];
    const result = await schedule({
      nodes: graph({ a: [], b: ['a'] }),
      isKeepGoing: false,
      visit: (id): Promise<VisitResult> => {
        if (id === 'a') throw new Error('not a promise');
        return Promise.resolve('ok');
      },
      skip: (id, outcome) => skipped.push(`${id}:${outcome}`),
    });
    expect(result).toEqual({ failed: ['a'], isInterrupted: false });
    expect(skipped).toEqual(['b:blocked']);
  });

  it('visits a repeated node id once', async () => {
    const visits: string[] = [];
    const result = await schedule({
      nodes: [...graph({ a: [] }), ...graph({ a: [] })],
      isKeepGoing: false,
      visit: async (id) => {
        visits.push(id);
        return 'ok';
      },
      skip: () => undefined,
    });
    expect(result).toEqual({ failed: [], isInterrupted: false });
    expect(visits).toEqual(['a']);
  });

  it('rejects, rather than hangs, when skip throws', async () => {
    const result = schedule({
      nodes: graph({ a: [], b: ['a'] }),
      isKeepGoing: false,
      visit: async () => 'failed',
      skip: () => {
        throw new Error('sink broke');
      },
    });
    await expect(result).rejects.toThrow('sink broke');
  });
});
