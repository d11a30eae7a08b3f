// Acceptance: a stage that reruns but writes the same output does not make
// its downstream rerun (early cutoff).
import { describe, expect, it } from 'vitest';
import { B_BRANCH, byOutcome, warmDagWorkspace } from '../cache/dag-workspace.js';
import { stageEnd } from './rig.js';

describe('cache: early cutoff', () => {
  it('a1 reruns on a whitespace-only edit, its output is unchanged, a2 and a3 stay cached', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    ws.write('a/f007.txt', ws.read('a/f007.txt').replace('alpha line', 'alpha  line  '));
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual(['a1']);
    expect(byOutcome(run.outcome)).toEqual({ ran: ['a1'], cached: ['a2', 'a3', ...B_BRANCH].sort() });
    expect(stageEnd(run.events, 'a1').reason).toBe('input changed: a/f007.txt');
    expect(ws.outputs()).toEqual(before);
  });

  it('a1 reruns for a command change that writes the same bytes; a2 and a3 stay cached', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    ws.write(
      'pipelines.yaml',
      ws.read('pipelines.yaml').replace('"echo a1 >> log.txt && ', '"true && echo a1 >> log.txt && '),
    );
    const run = await ws.exec();
    expect(run.executed).toEqual(['a1']);
    expect(run.outcome).toMatchObject({ a1: 'ran', a2: 'cached', a3: 'cached' });
    expect(ws.outputs()).toEqual(before);
  });
});
