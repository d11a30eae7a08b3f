// Acceptance: changing a param reruns the stage that uses it and its
// dependents; every other stage stays cached.
import { describe, expect, it } from 'vitest';
import { A_BRANCH, byOutcome, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('cache: params', () => {
  it('--param of a pipeline param only b2 uses reruns b2 and b3 only', async () => {
    const ws = await warmDagWorkspace();
    const run = await ws.exec('--param', 'salt=two');
    expect(run.code).toBe(0);
    expect([...run.executed].sort()).toEqual(['b2', 'b3']);
    expect(byOutcome(run.outcome)).toEqual({ ran: ['b2', 'b3'], cached: [...A_BRANCH, 'b1'].sort() });
    const same = await ws.exec('--param', 'salt=two');
    expect(same.executed).toEqual([]);
  });

  it('going back to the default value restores the earlier outputs without running', async () => {
    const ws = await warmDagWorkspace();
    const original = ws.outputs();
    await ws.exec('--param', 'salt=two');
    expect(ws.read('out/b2.txt')).not.toBe(original['out/b2.txt']);
    const back = await ws.exec();
    expect(back.executed).toEqual([]);
    expect(back.outcome.b2).toMatch(/^(restored|cached)$/);
    expect(back.outcome.b3).toMatch(/^(restored|cached)$/);
    expect(ws.outputs()).toEqual(original);
  });

  it("editing a stage's own param in the YAML reruns that stage and its dependents only", async () => {
    const ws = await warmDagWorkspace({ level: 1 });
    ws.configure({ level: 2 });
    const run = await ws.exec();
    expect([...run.executed].sort()).toEqual(['b2', 'b3']);
    expect(byOutcome(run.outcome)).toEqual({ ran: ['b2', 'b3'], cached: [...A_BRANCH, 'b1'].sort() });
  });
});
