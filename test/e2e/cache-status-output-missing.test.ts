// `runner status`: `output missing: <path>`; the stage would be restored, not run.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { warmDagWorkspace } from '../cache/dag-workspace.js';
import { status, tableLine } from '../cache/status-helpers.js';

describe('status: output missing', () => {
  it('says `output missing: <path>`, action restore, would not run; its dependents stay cached', async () => {
    const ws = await warmDagWorkspace();
    fs.rmSync(ws.path('out/a2.txt'));
    const s = await status(ws);
    expect(s.byStage.a2).toMatchObject({ reason: 'output missing: out/a2.txt', action: 'restore', wouldRun: false });
    expect(s.reasons.a3).toBe('unchanged');
    expect(tableLine(s.table, 'a2')).toBe('p/a2 restore output missing: out/a2.txt');
    expect(s.table).toContain('0 of 6 stages would run');
    expect(ws.exists('out/a2.txt')).toBe(false);
  });

  it('an output changed by hand: `output changed: <path>`', async () => {
    const ws = await warmDagWorkspace();
    ws.write('out/b1.txt', 'not what the stage wrote\n');
    const s = await status(ws);
    expect(s.byStage.b1).toMatchObject({ reason: 'output changed: out/b1.txt', action: 'restore', wouldRun: false });
  });
});
