// Acceptance: touching every input without changing its content skips everything.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('cache: touch', () => {
  it('`touch` on all 240 inputs leaves every stage cached and runs nothing', async () => {
    const ws = await warmDagWorkspace();
    expect(ws.inputs.length).toBeGreaterThanOrEqual(200);
    ws.touchInputs(Date.now() + 5_000);
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual([]);
    expect(run.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'cached'])));
    const again = await ws.exec();
    expect(again.executed).toEqual([]);
  });

  it('touching the outputs does not rerun or restore them either', async () => {
    const ws = await warmDagWorkspace();
    const at = new Date(Date.now() + 5_000);
    for (const stage of STAGES) fs.utimesSync(ws.path(`out/${stage}.txt`), at, at);
    const run = await ws.exec();
    expect(run.executed).toEqual([]);
    expect(Object.values(run.outcome)).toEqual(STAGES.map(() => 'cached'));
  });
});
