// A root that does not exist (a typo in --param root) fails the run with a
// message naming the param and what to do, instead of finding no functions
// and so deleting every task file of the last run.
import { afterAll, describe, expect, it } from 'vitest';
import { snapshot, simtaskWorkspace } from './helpers.js';

describe('simtask with a root that does not exist', () => {
  const ws = simtaskWorkspace();
  afterAll(() => ws.remove());

  it('fails naming params.root and leaves the task files alone', async () => {
    const cold = await ws.run(['exec', 'simtask']);
    expect(cold.code, cold.stderr).toBe(0);
    const tasks = snapshot(ws.path('tasks', 'simtask'));
    expect(tasks.size).toBeGreaterThan(10);

    const typo = await ws.run(['exec', 'simtask', '--param', 'root=scr']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('simtask/cluster: FAILED after');
    expect(typo.stderr).toContain(
      'params.root: scr does not exist; point it at the directory to scan (--param root=path/to/src)',
    );
    expect(snapshot(ws.path('tasks', 'simtask'))).toEqual(tasks);

    ws.write('notadir', 'x');
    const file = await ws.run(['exec', 'simtask', '--param', 'root=notadir']);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain('params.root: notadir is not a directory');
    expect(snapshot(ws.path('tasks', 'simtask'))).toEqual(tasks);
  }, 120_000);
});
