// Acceptance: --no-cache runs everything and leaves the cache as it was.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { A_BRANCH, B_BRANCH, byOutcome, STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';
import type { DagWorkspace } from '../cache/dag-workspace.js';

async function storeSnapshot(ws: DagWorkspace): Promise<unknown> {
  const stats = await ws.run(['cache', 'stats', '--json']);
  const parsed = JSON.parse(stats.stdout) as { entries: unknown; entryBytes: number };
  return { entries: parsed.entries, entryBytes: parsed.entryBytes };
}

describe('cache: --no-cache', () => {
  it('runs every stage, even after an edit, without touching state or store', async () => {
    const ws = await warmDagWorkspace();
    const state = ws.read('.runner/state.json');
    const store = await storeSnapshot(ws);
    ws.write('a/f001.txt', 'edited under --no-cache\n');

    const run = await ws.exec('--no-cache');
    expect(run.code).toBe(0);
    expect([...run.executed].sort()).toEqual(STAGES);
    expect(run.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'ran'])));
    expect(ws.read('.runner/state.json')).toBe(state);
    expect(await storeSnapshot(ws)).toEqual(store);

    // The cache still describes the world before the edit: the a branch
    // runs again, the b branch (unchanged) is still cached.
    const next = await ws.exec();
    expect(byOutcome(next.outcome)).toEqual({ ran: A_BRANCH, cached: B_BRANCH });
  });

  it('adds nothing to the object store', async () => {
    const ws = await warmDagWorkspace();
    const objects = ws.objectFiles();
    ws.write('b/x/g001.txt', 'edited under --no-cache\n');
    const run = await ws.exec('--no-cache');
    expect(run.code).toBe(0);
    expect(ws.objectFiles()).toEqual(objects);
  });

  it('writes no run record', async () => {
    const ws = await warmDagWorkspace();
    const runs = fs.readdirSync(ws.path('.runner/runs')).sort();
    await ws.exec('--no-cache');
    expect(fs.readdirSync(ws.path('.runner/runs')).sort()).toEqual(runs);
  });
});
