// Acceptance: a second run with nothing changed skips every stage.
import { describe, expect, it } from 'vitest';
import { dagWorkspace, runEnd, STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('cache: second run', () => {
  it('ends every stage `cached` and executes no command', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    const second = await ws.exec();
    expect(second.code).toBe(0);
    expect(second.executed).toEqual([]);
    expect(second.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'cached'])));
    expect(runEnd(second.events)).toMatchObject({ status: 'success', counts: { cached: 6, ran: 0, restored: 0 } });
    expect(ws.outputs()).toEqual(before);
  });

  it('stays all `cached` on a third run, and from a subdirectory of the workspace', async () => {
    const ws = await warmDagWorkspace();
    await ws.exec();
    const third = await ws.run(['exec', 'p', '--json'], { cwd: ws.path('a') });
    expect(third.code).toBe(0);
    expect(runEnd(third.events).counts).toMatchObject({ cached: 6, ran: 0 });
    expect(ws.exists('log.txt')).toBe(false);
  });

  it('the first run ran every stage for want of a cache entry', async () => {
    const ws = dagWorkspace();
    const first = await ws.exec();
    expect(first.code).toBe(0);
    expect([...first.executed].sort()).toEqual(STAGES);
    expect(first.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'ran'])));
    for (const stage of ['a1', 'b1']) {
      expect(first.events).toContainEqual(
        expect.objectContaining({ event: 'stage:end', stage, reason: 'no cache entry' }),
      );
    }
  });
});
