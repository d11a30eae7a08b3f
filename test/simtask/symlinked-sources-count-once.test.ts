// A source reached through a symbolic link (a linked file, or a file under
// a linked directory) is one file, not a near-duplicate of itself: each
// real file's functions count once, under the file's own path when the
// scan reaches it there, else under the first of the links in path order.
// A file outside the root that only a link reaches keeps its functions.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { lastRunRecord } from '../e2e/rig.js';
import { simtaskWorkspace, snapshot, stageSummary } from './helpers.js';

describe('simtask with symlinked sources', () => {
  const ws = simtaskWorkspace();
  afterAll(() => ws.remove());

  it('counts each real file once and names the links it left out', async () => {
    const plain = await ws.run(['exec', 'simtask']);
    expect(plain.code, plain.stderr).toBe(0);
    const before = snapshot(ws.path('tasks', 'simtask'));
    expect(before.size).toBeGreaterThan(10);

    // A linked file and a linked directory inside the root, both leading to files the scan reaches anyway
    // (the link's path sorts first: the file's own path is kept all the same).
    fs.symlinkSync('math/stats.ts', ws.path('src', 'alias-stats.ts'));
    fs.mkdirSync(ws.path('src', 'linked'));
    fs.symlinkSync('../io', ws.path('src', 'linked', 'io'));
    // A real copy outside the root, reached by two links: a genuine duplicate of math/stats.ts, reported once.
    fs.mkdirSync(ws.path('vendor'));
    fs.copyFileSync(ws.path('src', 'math', 'stats.ts'), ws.path('vendor', 'stats-copy.ts'));
    fs.symlinkSync('../vendor/stats-copy.ts', ws.path('src', 'vendor-a.ts'));
    fs.symlinkSync('../vendor/stats-copy.ts', ws.path('src', 'vendor-b.ts'));

    const linked = await ws.run(['exec', 'simtask', '--json']);
    expect(linked.code, linked.stderr).toBe(0);
    expect(stageSummary(lastRunRecord(ws), 'scan').outcome).toBe('ran');
    expect(linked.stderr).toContain(
      'simtask/cluster | left out 4 paths that lead through a symbolic link to a file counted under another: ' +
        'src/alias-stats.ts (src/math/stats.ts), src/linked/io/csv.ts (src/io/csv.ts), ' +
        'src/linked/io/import.ts (src/io/import.ts), src/vendor-b.ts (src/vendor-a.ts)',
    );

    const after = snapshot(ws.path('tasks', 'simtask'));
    const text = [...after.values()].join('\n');
    for (const link of ['src/alias-stats.ts', 'src/linked/', 'src/vendor-b.ts']) expect(text).not.toContain(link);
    // The copy outside the root pairs with the original, once per function, under its first link.
    const withCopy = [...after.values()].filter((t) => t.includes('src/vendor-a.ts'));
    expect(withCopy.length).toBeGreaterThan(0);
    for (const task of withCopy) expect(task).toContain('src/math/stats.ts');
    // Every cluster without stats.ts is exactly as it was: nothing else was added or lost.
    const unrelated = (tasks: Map<string, string>): Map<string, string> =>
      new Map([...tasks].filter(([, t]) => !t.includes('src/math/stats.ts')));
    expect(unrelated(after)).toEqual(unrelated(before));
  }, 120_000);
});
