import { describe, expect, it } from 'vitest';
import { graph, startSchedule } from './scheduler-harness.js';

//      top
//     /   \
//  left   right
//     \   /
//     bottom
const DIAMOND = { top: [], left: ['top'], right: ['top'], bottom: ['left', 'right'] };

describe('a diamond', () => {
  it('runs both sides in parallel and the bottom once both are done', async () => {
    const run = await startSchedule(graph(DIAMOND));
    await run.settle('top', 'ok');
    expect(run.started).toEqual(['top', 'left', 'right']);
    await run.settle('right', 'ok');
    expect(run.started).not.toContain('bottom');
    await run.settle('left', 'ok');
    expect(run.started).toEqual(['top', 'left', 'right', 'bottom']);
    await run.settle('bottom', 'ok');
    expect(await run.result).toEqual({ failed: [], isInterrupted: false });
  });

  it('blocks the bottom once when one side fails, and finishes the other side with --keep-going', async () => {
    const run = await startSchedule(graph(DIAMOND), { isKeepGoing: true });
    await run.settle('top', 'ok');
    await run.settle('left', 'failed');
    expect(run.skipped.get('bottom')).toEqual(['blocked', 'left']);
    expect(run.signalOf('right').aborted).toBe(false);
    await run.settle('right', 'ok');
    expect(run.started).not.toContain('bottom');
    expect(await run.result).toEqual({ failed: ['left'], isInterrupted: false });
  });

  it('blocks the bottom once when both sides fail', async () => {
    const run = await startSchedule(graph(DIAMOND), { isKeepGoing: true });
    await run.settle('top', 'ok');
    await run.settle('right', 'failed');
    await run.settle('left', 'failed');
    // The harness throws on a second skip of one node; one entry, caused by the first failure.
    expect(Object.fromEntries(run.skipped)).toEqual({ bottom: ['blocked', 'right'] });
    expect(await run.result).toEqual({ failed: ['right', 'left'], isInterrupted: false });
  });

  it('blocks the whole diamond when the top fails', async () => {
    const run = await startSchedule(graph(DIAMOND));
    await run.settle('top', 'failed');
    expect(Object.fromEntries(run.skipped)).toEqual({
      left: ['blocked', 'top'],
      right: ['blocked', 'top'],
      bottom: ['blocked', 'top'],
    });
    expect(await run.result).toEqual({ failed: ['top'], isInterrupted: false });
  });
});
