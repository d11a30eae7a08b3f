// `runner status`: `ttl expired` for a `policy: ttl` stage whose entry is
// older than its ttl. The entry is aged by editing .runner/state.json: no sleep.
import { describe, expect, it } from 'vitest';
import { warmDagWorkspace } from '../cache/dag-workspace.js';
import type { DagWorkspace } from '../cache/dag-workspace.js';
import { status, tableLine } from '../cache/status-helpers.js';
import { stageEnd } from './rig.js';

const TTL = { extra: { b3: ['cache: { policy: ttl, ttl: 1h }'] } };

function age(ws: DagWorkspace, stage: string, ms: number): void {
  const state = ws.state();
  const record = state.stages[`p/${stage}`];
  if (!record) throw new Error(`no state for p/${stage}`);
  record.createdAt -= ms;
  ws.writeState(state);
}

describe('status: ttl', () => {
  it('a fresh entry is unchanged; one older than the ttl says `ttl expired`', async () => {
    const ws = await warmDagWorkspace(TTL);
    expect((await status(ws)).reasons.b3).toBe('unchanged');
    age(ws, 'b3', 59 * 60_000);
    expect((await status(ws)).reasons.b3).toBe('unchanged');
    age(ws, 'b3', 2 * 60_000);
    const s = await status(ws);
    expect(s.byStage.b3).toMatchObject({ reason: 'ttl expired', wouldRun: true });
    expect(tableLine(s.table, 'b3')).toBe('p/b3 would run ttl expired');
    expect(s.reasons.b2).toBe('unchanged');
  });

  it('exec reruns the expired stage for that reason, and then it is fresh again', async () => {
    const ws = await warmDagWorkspace(TTL);
    age(ws, 'b3', 2 * 3_600_000);
    const run = await ws.exec();
    expect(run.executed).toEqual(['b3']);
    expect(stageEnd(run.events, 'b3')).toMatchObject({ outcome: 'ran', reason: 'ttl expired' });
    expect((await status(ws)).reasons.b3).toBe('unchanged');
  });

  it('an old entry of a content-policy stage is not expired by age', async () => {
    const ws = await warmDagWorkspace(TTL);
    age(ws, 'b2', 365 * 24 * 3_600_000);
    expect((await status(ws)).reasons.b2).toBe('unchanged');
  });
});
