// `runner cache clear` through the CLI: everything goes, the next run runs all.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('runner cache clear', () => {
  it('empties the store and the objects; the next run runs every stage for want of an entry', async () => {
    const ws = await warmDagWorkspace();
    const result = await ws.run(['cache', 'clear']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^cleared /);
    const stats = JSON.parse((await ws.run(['cache', 'stats', '--json'])).stdout) as {
      entries: unknown;
      objects: unknown;
    };
    expect(stats.entries).toEqual({ stage: 0, manifest: 0, items: 0, memo: 0, blob: 0, other: 0 });
    expect(stats.objects).toEqual({ count: 0, bytes: 0 });
    expect(ws.objectFiles()).toEqual([]);
    expect(fs.existsSync(ws.path('.runner/state.json'))).toBe(false);

    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect([...run.executed].sort()).toEqual(STAGES);
    expect(run.events).toContainEqual(
      expect.objectContaining({ event: 'stage:end', stage: 'a1', reason: 'no cache entry' }),
    );
  });

  it('deleted outputs cannot be restored after a clear: the stage runs', async () => {
    const ws = await warmDagWorkspace();
    await ws.run(['cache', 'clear']);
    fs.rmSync(ws.path('out/b3.txt'));
    const run = await ws.exec();
    expect(run.executed).toContain('b3');
    expect(ws.exists('out/b3.txt')).toBe(true);
  });
});
