// End to end through the CLI, in a temp copy of the fixture workspace with
// the repository's simtask pipeline: a second run is all cached; after one
// function in one file is edited, the rerun parses that one file, embeds
// only the edited function, re-plans only its cluster, and rewrites only
// that cluster's task file (per the run record's per-stage item counts and
// the files themselves).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { lastRunRecord, outcomes } from '../e2e/rig.js';
import { fixtureFunctions, simtaskWorkspace, snapshot, stageSummary } from './helpers.js';

describe('simtask rerun after editing one function', () => {
  const ws = simtaskWorkspace();
  afterAll(() => ws.remove());
  const files = new Set(fixtureFunctions().map((f) => f.file)).size;
  const functions = fixtureFunctions().length;

  it('runs cold, then all cached, then only what the edit invalidates', async () => {
    const cold = await ws.run(['exec', 'simtask', '--json']);
    expect(cold.code, cold.stderr).toBe(0);
    const first = lastRunRecord(ws);
    expect(stageSummary(first, 'scan').items).toEqual({ total: files, done: files, cached: 0, failed: 0 });
    expect(stageSummary(first, 'embed').items).toEqual({ total: functions, done: functions, cached: 0, failed: 0 });
    const clusters = stageSummary(first, 'plan').items?.total ?? 0;
    expect(clusters).toBeGreaterThan(10);
    const tasks = snapshot(ws.path('tasks', 'simtask'));
    expect(tasks.size).toBe(clusters);

    const warm = await ws.run(['exec', 'simtask', '--json']);
    expect(warm.code, warm.stderr).toBe(0);
    expect(outcomes(warm.events)).toEqual({
      scan: 'cached',
      embed: 'cached',
      cluster: 'cached',
      plan: 'cached',
      write: 'cached',
    });

    const mtimes = new Map([...tasks.keys()].map((f) => [f, fs.statSync(ws.path('tasks', 'simtask', f)).mtimeMs]));
    // A rename changes the function's vector (a changed literal alone would not: literals are abstracted).
    const source = ws.read('src/cart/totals.ts');
    const edited = source.replace(/vatAmount/g, 'salesTax');
    expect(edited).not.toBe(source);
    ws.write('src/cart/totals.ts', edited);

    const rerun = await ws.run(['exec', 'simtask', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const record = lastRunRecord(ws);
    expect(stageSummary(record, 'scan').items).toEqual({ total: files, done: files, cached: files - 1, failed: 0 });
    expect(stageSummary(record, 'embed').items).toEqual({
      total: functions,
      done: functions,
      cached: functions - 1,
      failed: 0,
    });
    expect(stageSummary(record, 'cluster').outcome).toBe('ran');
    expect(stageSummary(record, 'plan').items).toEqual({
      total: clusters,
      done: clusters,
      cached: clusters - 1,
      failed: 0,
    });
    expect(rerun.events).toContainEqual(
      expect.objectContaining({
        event: 'stage:log',
        stage: 'write',
        line: `tasks/simtask: 0 created, 1 updated, ${clusters - 1} unchanged, 0 removed, 0 marked-stale`,
      }),
    );

    const after = snapshot(ws.path('tasks', 'simtask'));
    const changed = [...after.keys()].filter((f) => after.get(f) !== tasks.get(f));
    expect(changed).toHaveLength(1);
    expect(after.get(changed[0] as string)).toContain('computeCartTotal');
    for (const [file, mtime] of mtimes)
      if (file !== changed[0]) expect(fs.statSync(ws.path('tasks', 'simtask', file)).mtimeMs).toBe(mtime);
  }, 180_000);
});
