// Acceptance: editing one input reruns exactly the stages downstream of it.
import { describe, expect, it } from 'vitest';
import { A_BRANCH, B_BRANCH, byOutcome, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('cache: one input edited', () => {
  it('an a/ file: a1, a2, a3 run; the b branch stays cached', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    ws.write('a/f050.txt', 'edited content\n');
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect([...run.executed].sort()).toEqual(A_BRANCH);
    expect(byOutcome(run.outcome)).toEqual({ ran: A_BRANCH, cached: B_BRANCH });
    const after = ws.outputs();
    for (const stage of A_BRANCH) expect(after[`out/${stage}.txt`]).not.toBe(before[`out/${stage}.txt`]);
    for (const stage of B_BRANCH) expect(after[`out/${stage}.txt`]).toBe(before[`out/${stage}.txt`]);
    expect(run.events).toContainEqual(
      expect.objectContaining({ event: 'stage:end', stage: 'a1', reason: 'input changed: a/f050.txt' }),
    );
  });

  it('a nested b/ file: b1, b2, b3 run; the a branch stays cached', async () => {
    const ws = await warmDagWorkspace();
    ws.write('b/y/h010.txt', 'edited\n');
    const run = await ws.exec();
    expect([...run.executed].sort()).toEqual(B_BRANCH);
    expect(byOutcome(run.outcome)).toEqual({ ran: B_BRANCH, cached: A_BRANCH });
  });

  it('a new file matched by a glob reruns its branch; the next run is all cached again', async () => {
    const ws = await warmDagWorkspace();
    ws.write('b/x/new.txt', 'new\n');
    const run = await ws.exec();
    expect([...run.executed].sort()).toEqual(B_BRANCH);
    expect(run.events).toContainEqual(
      expect.objectContaining({ event: 'stage:end', stage: 'b1', reason: 'input added: b/x/new.txt' }),
    );
    const again = await ws.exec();
    expect(again.executed).toEqual([]);
  });

  it('a file the globs do not match changes nothing', async () => {
    const ws = await warmDagWorkspace();
    ws.write('a/notes.md', 'not an input\n');
    ws.write('c/other.txt', 'not an input\n');
    const run = await ws.exec();
    expect(run.executed).toEqual([]);
  });
});
