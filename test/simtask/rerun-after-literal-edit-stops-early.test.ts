// Early cutoff end to end: a function whose only change is a literal value
// is re-parsed and re-embedded, but its vector does not change (literals
// are abstracted): cluster reruns (its input records carry the new code
// hash) and finds the same clusters, so plan and write do not even run.
import { afterAll, describe, expect, it } from 'vitest';
import { lastRunRecord, outcomes } from '../e2e/rig.js';
import { simtaskWorkspace, snapshot, stageSummary } from './helpers.js';

describe('simtask rerun after changing a literal', () => {
  const ws = simtaskWorkspace();
  afterAll(() => ws.remove());

  it('stops before write', async () => {
    expect((await ws.run(['exec', 'simtask'])).code).toBe(0);
    const tasks = snapshot(ws.path('tasks', 'simtask'));
    ws.write(
      'src/utils/strings.ts',
      ws.read('src/utils/strings.ts').replace(".replace(/[^a-z0-9]+/g, '-')", ".replace(/[^a-z0-9]+/g, '+')"),
    );

    const rerun = await ws.run(['exec', 'simtask', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(outcomes(rerun.events)).toEqual({
      scan: 'ran',
      embed: 'ran',
      cluster: 'ran',
      plan: 'cached',
      write: 'cached',
    });
    const record = lastRunRecord(ws);
    for (const stage of ['scan', 'embed'])
      expect(stageSummary(record, stage).items?.cached, stage).toBe(
        (stageSummary(record, stage).items?.total ?? 0) - 1,
      );
    expect(snapshot(ws.path('tasks', 'simtask'))).toEqual(tasks);
  }, 120_000);
});
