// Acceptance: reverting an input to an earlier content restores the outputs
// computed for it then, without running anything.
import { describe, expect, it } from 'vitest';
import { A_BRANCH, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('cache: revert', () => {
  it('edit, run, revert, run: the old outputs come back from the store', async () => {
    const ws = await warmDagWorkspace();
    const original = ws.outputs();
    const content = ws.read('a/f010.txt');
    ws.write('a/f010.txt', 'a temporary edit\n');
    const edited = await ws.exec();
    expect([...edited.executed].sort()).toEqual(A_BRANCH);
    const editedOutputs = ws.outputs();

    ws.write('a/f010.txt', content);
    const reverted = await ws.exec();
    expect(reverted.code).toBe(0);
    expect(reverted.executed).toEqual([]);
    for (const stage of A_BRANCH) expect(reverted.outcome[stage]).toMatch(/^(restored|cached)$/);
    expect(reverted.outcome.a1).toBe('restored');
    expect(ws.outputs()).toEqual(original);

    // And forward again: the edited outputs are in the store too.
    ws.write('a/f010.txt', 'a temporary edit\n');
    const forward = await ws.exec();
    expect(forward.executed).toEqual([]);
    expect(ws.outputs()).toEqual(editedOutputs);
  });
});
