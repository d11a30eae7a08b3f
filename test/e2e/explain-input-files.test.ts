import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedWorkspace } from './explain-workspace.js';
import type { Workspace } from './rig.js';

describe('explain: input files', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('lists the input files added, removed and changed since the last run', async () => {
    ws = await cachedWorkspace();
    fs.rmSync(ws.path('data/a.txt'));
    ws.write('data/b.txt', 'b, edited\n');
    ws.write('data/c.txt', 'c\n');

    const result = await ws.run(['explain', 'p', 'up']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'p/up   would run   input removed: data/a.txt',
        '    inputs:',
        '      removed  data/a.txt',
        '      changed  data/b.txt',
        '      added    data/c.txt',
        '',
      ].join('\n'),
    );

    const json = JSON.parse((await ws.run(['explain', 'p', 'up', '--json'])).stdout) as {
      wouldRun: boolean;
      changes: unknown[];
    };
    expect(json.wouldRun).toBe(true);
    expect(json.changes).toEqual([
      { kind: 'input', file: 'data/a.txt', change: 'removed' },
      { kind: 'input', file: 'data/b.txt', change: 'changed' },
      { kind: 'input', file: 'data/c.txt', change: 'added' },
    ]);
  });

  it('lists them from a long input list too, stored beside the manifest (more than 200 files)', async () => {
    ws = await cachedWorkspace();
    for (let i = 0; i < 300; i++) ws.write(`data/m${String(i).padStart(3, '0')}.txt`, `m ${i}\n`);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    fs.rmSync(ws.path('data/a.txt'));
    ws.write('data/m000.txt', 'first, edited\n');
    ws.write('data/m150.txt', 'middle, edited\n');
    ws.write('data/m299.txt', 'last, edited\n');
    ws.write('data/n.txt', 'n\n');
    const json = JSON.parse((await ws.run(['explain', 'p', 'up', '--json'])).stdout) as { changes: unknown[] };
    expect(json.changes).toEqual([
      { kind: 'input', file: 'data/a.txt', change: 'removed' },
      { kind: 'input', file: 'data/m000.txt', change: 'changed' },
      { kind: 'input', file: 'data/m150.txt', change: 'changed' },
      { kind: 'input', file: 'data/m299.txt', change: 'changed' },
      { kind: 'input', file: 'data/n.txt', change: 'added' },
    ]);
  });

  it('status --explain shows every stage: the changed one in full, its dependent waiting on it', async () => {
    ws = await cachedWorkspace();
    ws.write('data/c.txt', 'c\n');
    const result = await ws.run(['status', 'p', '--explain']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'p/up    would run   input added: data/c.txt',
        '    inputs:',
        '      added    data/c.txt',
        'p/down  would run   upstream will run: up',
        '    upstream up will run first; the inputs, params, env and code of down are unchanged',
        '2 of 2 stages would run',
        '',
      ].join('\n'),
    );
  });

  it('says a cached stage is unchanged, and rejects an unknown stage', async () => {
    ws = await cachedWorkspace();
    expect((await ws.run(['explain', 'p', 'down'])).stdout).toBe('p/down  cached      unchanged\n');
    const unknown = await ws.run(['explain', 'p', 'dwn']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('stage dwn: no such stage in p');
  });
});
