// `runner status`: `no cache entry` before the first run, `upstream will run`
// below a stage that will run, `unchanged` for the rest; status runs nothing.
import { describe, expect, it } from 'vitest';
import { dagWorkspace, warmDagWorkspace } from '../cache/dag-workspace.js';
import { status, tableLine } from '../cache/status-helpers.js';

describe('status: first reasons', () => {
  it('before any run: roots have no cache entry, the rest wait on their upstream', async () => {
    const ws = dagWorkspace();
    const s = await status(ws);
    expect(s.reasons).toEqual({
      a1: 'no cache entry',
      a2: 'upstream will run: a1',
      a3: 'upstream will run: a2',
      b1: 'no cache entry',
      b2: 'upstream will run: b1',
      b3: 'upstream will run: b2',
    });
    for (const line of Object.values(s.byStage)) expect(line.wouldRun).toBe(true);
    expect(tableLine(s.table, 'a1')).toBe('p/a1 would run no cache entry');
    expect(tableLine(s.table, 'a3')).toBe('p/a3 would run upstream will run: a2');
    expect(s.table).toContain('6 of 6 stages would run');
    expect(ws.exists('log.txt')).toBe(false);
    expect(ws.exists('out')).toBe(false);
  });

  it('after an edit: the edited stage says why, its dependents say upstream will run, the others unchanged', async () => {
    const ws = await warmDagWorkspace();
    ws.write('a/f001.txt', 'changed\n');
    const state = ws.read('.runner/state.json');
    const s = await status(ws);
    expect(s.reasons).toEqual({
      a1: 'input changed: a/f001.txt',
      a2: 'upstream will run: a1',
      a3: 'upstream will run: a2',
      b1: 'unchanged',
      b2: 'unchanged',
      b3: 'unchanged',
    });
    expect(Object.values(s.byStage).map((l) => l.wouldRun)).toEqual([true, true, true, false, false, false]);
    expect(s.table).toContain('3 of 6 stages would run');
    expect(tableLine(s.table, 'b1')).toBe('p/b1 cached unchanged');
    // status decides, it does not run or record
    expect(ws.exists('log.txt')).toBe(false);
    expect(ws.read('.runner/state.json')).toBe(state);
  });

  it('matches what exec then does', async () => {
    const ws = await warmDagWorkspace();
    ws.write('b/x/g003.txt', 'changed\n');
    const s = await status(ws);
    const run = await ws.exec();
    for (const [stage, line] of Object.entries(s.byStage)) {
      expect(run.outcome[stage], stage).toBe(line.wouldRun ? 'ran' : 'cached');
    }
  });
});
