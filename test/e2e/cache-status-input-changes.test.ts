// `runner status`: input changed / added / removed, for files matched by globs.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { warmDagWorkspace } from '../cache/dag-workspace.js';
import { status, tableLine } from '../cache/status-helpers.js';

describe('status: input reasons', () => {
  it('`input changed: <path>` for an edited file', async () => {
    const ws = await warmDagWorkspace();
    ws.write('b/y/h042.txt', 'edited\n');
    const s = await status(ws);
    expect(s.reasons.b1).toBe('input changed: b/y/h042.txt');
    expect(s.byStage.b1?.why).toEqual({
      reason: 'changed',
      changes: [{ kind: 'input', file: 'b/y/h042.txt', change: 'changed' }],
    });
    expect(tableLine(s.table, 'b1')).toBe('p/b1 would run input changed: b/y/h042.txt');
  });

  it('`input added: <path>` for a new file the glob now matches', async () => {
    const ws = await warmDagWorkspace();
    ws.write('b/x/zz-new.txt', 'new\n');
    const s = await status(ws);
    expect(s.reasons.b1).toBe('input added: b/x/zz-new.txt');
    expect(s.reasons.b2).toBe('upstream will run: b1');
  });

  it('`input added:` also for a file in a new subdirectory', async () => {
    const ws = await warmDagWorkspace();
    ws.write('b/new-dir/deeper/n.txt', 'new\n');
    expect((await status(ws)).reasons.b1).toBe('input added: b/new-dir/deeper/n.txt');
  });

  it('`input removed: <path>` for a deleted file', async () => {
    const ws = await warmDagWorkspace();
    fs.rmSync(ws.path('a/f003.txt'));
    const s = await status(ws);
    expect(s.reasons.a1).toBe('input removed: a/f003.txt');
    expect(s.reasons.b1).toBe('unchanged');
  });

  it('the first change in path order comes first when several files changed', async () => {
    const ws = await warmDagWorkspace();
    ws.write('a/f100.txt', 'edited\n');
    ws.write('a/f020.txt', 'edited\n');
    fs.rmSync(ws.path('a/f010.txt'));
    const s = await status(ws);
    expect(s.reasons.a1).toBe('input removed: a/f010.txt');
    const why = s.byStage.a1?.why;
    expect(
      why?.reason === 'changed' ? why.changes.map((c) => (c.kind === 'input' ? `${c.change} ${c.file}` : c.kind)) : [],
    ).toEqual(['removed a/f010.txt', 'changed a/f020.txt', 'changed a/f100.txt']);
  });
});
