// Acceptance: --force runs everything; --force=S runs S and its dependents only.
import { describe, expect, it } from 'vitest';
import { A_BRANCH, B_BRANCH, byOutcome, STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';

describe('cache: --force', () => {
  it('--force runs every stage, with reason `forced`', async () => {
    const ws = await warmDagWorkspace();
    const run = await ws.exec('--force');
    expect(run.code).toBe(0);
    expect([...run.executed].sort()).toEqual(STAGES);
    expect(run.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'ran'])));
    for (const e of run.events) if (e.event === 'stage:end') expect(e.reason).toBe('forced');
    const after = await ws.exec();
    expect(after.executed).toEqual([]);
  });

  it('--force=b1 runs b1 and its dependents; the a branch stays cached', async () => {
    const ws = await warmDagWorkspace();
    const run = await ws.exec('--force=b1');
    expect([...run.executed].sort()).toEqual(B_BRANCH);
    expect(byOutcome(run.outcome)).toEqual({ ran: B_BRANCH, cached: A_BRANCH });
  });

  it('--force=a2 runs a2 and a3 only', async () => {
    const ws = await warmDagWorkspace();
    const run = await ws.exec('--force=a2');
    expect([...run.executed].sort()).toEqual(['a2', 'a3']);
    expect(byOutcome(run.outcome)).toEqual({ ran: ['a2', 'a3'], cached: ['a1', ...B_BRANCH] });
  });

  it('--force=S with an unknown stage is a usage error', async () => {
    const ws = await warmDagWorkspace();
    const run = await ws.exec('--force=nope');
    expect(run.code).toBe(2);
    expect(run.executed).toEqual([]);
  });
});
