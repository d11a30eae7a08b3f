// `runner exec simtask --param root=/abs/dir`: the codebase may live outside
// the workspace. Every file is scanned (in the worker pool) by its absolute
// path, the tasks name the functions by it, and a rerun is all cached.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastRunRecord, outcomes, Workspace } from '../e2e/rig.js';
import { fixtureFunctions, simtaskWorkspace, snapshot, stageSummary } from './helpers.js';

describe('simtask with an absolute root', () => {
  const ws = simtaskWorkspace();
  const outside = new Workspace('simtask-outside-');
  afterAll(() => {
    ws.remove();
    outside.remove();
  });

  it('scans the codebase by absolute path and caches the rerun', async () => {
    const root = outside.path('code');
    fs.renameSync(ws.path('src'), root);
    const files = new Set(fixtureFunctions().map((f) => f.file)).size;
    const cold = await ws.run(['exec', 'simtask', '--param', `root=${root}`, '--json']);
    expect(cold.code, cold.stderr).toBe(0);
    expect(stageSummary(lastRunRecord(ws), 'scan').items).toEqual({ total: files, done: files, cached: 0, failed: 0 });
    const tasks = snapshot(ws.path('tasks', 'simtask'));
    expect(tasks.size).toBeGreaterThan(10);
    const text = [...tasks.values()].join('\n');
    expect(text).toContain(`${root}${path.sep}`);
    expect(text).not.toContain(`${ws.dir}/${root}`);

    const warm = await ws.run(['exec', 'simtask', '--param', `root=${root}`, '--json']);
    expect(outcomes(warm.events)).toEqual({
      scan: 'cached',
      embed: 'cached',
      cluster: 'cached',
      plan: 'cached',
      write: 'cached',
    });
  });
});
