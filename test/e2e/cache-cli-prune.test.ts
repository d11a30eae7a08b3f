// `runner cache prune --older-than D` through the CLI: old entries not in use
// go with their objects; what the workspace uses stays. Ages come from the
// runs themselves (--older-than 0ms: everything made before now), no sleeping.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';
import type { DagWorkspace } from '../cache/dag-workspace.js';

async function stageEntries(ws: DagWorkspace): Promise<number> {
  return (JSON.parse((await ws.run(['cache', 'stats', '--json'])).stdout) as { entries: { stage: number } }).entries
    .stage;
}

/** A workspace whose store holds b2/b3 results for salt=two that the workspace no longer uses. */
async function withStaleEntries(): Promise<DagWorkspace> {
  const ws = await warmDagWorkspace();
  await ws.exec('--param', 'salt=two');
  const back = await ws.exec();
  expect(back.executed).toEqual([]);
  expect(await stageEntries(ws)).toBe(8);
  return ws;
}

describe('runner cache prune', () => {
  it('with the default --older-than 7d removes nothing made just now', async () => {
    const ws = await withStaleEntries();
    const objects = ws.objectFiles();
    const result = await ws.run(['cache', 'prune']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pruned 0 entries and 0 objects .*older than 7d$/m);
    expect(await stageEntries(ws)).toBe(8);
    expect(ws.objectFiles()).toEqual(objects);
  });

  it('removes entries and objects older than the cutoff that the workspace does not use; keeps the live ones', async () => {
    const ws = await withStaleEntries();
    const before = ws.objectFiles().length;
    const result = await ws.run(['cache', 'prune', '--older-than', '0ms']);
    expect(result.code).toBe(0);
    // b2's and b3's stage and manifest entries for salt=two, and their two outputs.
    expect(result.stdout).toMatch(/^pruned 4 entries and 2 objects /m);
    expect(await stageEntries(ws)).toBe(6);
    expect(ws.objectFiles()).toHaveLength(before - 2);

    // What the workspace uses is intact: all cached, and restorable.
    const run = await ws.exec();
    expect(run.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'cached'])));
    // The pruned results are gone: salt=two must run again.
    const again = await ws.exec('--param', 'salt=two');
    expect([...again.executed].sort()).toEqual(['b2', 'b3']);
  });

  it('never removes the outputs the workspace state points at, even when old', async () => {
    const ws = await warmDagWorkspace();
    await ws.run(['cache', 'prune', '--older-than', '0ms']);
    fs.rmSync(ws.path('out'), { recursive: true });
    const run = await ws.exec();
    expect(run.executed).toEqual([]);
    expect(run.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'restored'])));
  });

  it('rejects a bad duration with a usage error', async () => {
    const ws = await warmDagWorkspace();
    const result = await ws.run(['cache', 'prune', '--older-than', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--older-than soon');
  });
});
