// Acceptance: a deleted output is restored from the object store; its
// command does not run.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STAGES, warmDagWorkspace } from '../cache/dag-workspace.js';
import { stageEnd } from './rig.js';

describe('cache: deleted outputs', () => {
  it('one deleted output: outcome `restored`, same content, no command ran', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    fs.rmSync(ws.path('out/a2.txt'));
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual([]);
    expect(run.outcome).toEqual({ ...Object.fromEntries(STAGES.map((s) => [s, 'cached'])), a2: 'restored' });
    expect(stageEnd(run.events, 'a2').reason).toBe('output missing: out/a2.txt');
    expect(ws.outputs()).toEqual(before);
    const again = await ws.exec();
    expect(again.outcome.a2).toBe('cached');
  });

  it('every output deleted: all six restored, nothing ran', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    fs.rmSync(ws.path('out'), { recursive: true });
    const run = await ws.exec();
    expect(run.executed).toEqual([]);
    expect(run.outcome).toEqual(Object.fromEntries(STAGES.map((s) => [s, 'restored'])));
    expect(ws.outputs()).toEqual(before);
  });

  it('an output replaced by hand (a new file, as most editors save) is put back from the store', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    ws.write('out/b3.txt.new', 'scribbled over\n');
    fs.renameSync(ws.path('out/b3.txt.new'), ws.path('out/b3.txt'));
    const run = await ws.exec();
    expect(run.executed).toEqual([]);
    expect(run.outcome.b3).toBe('restored');
    expect(ws.read('out/b3.txt')).toBe(before['out/b3.txt']);
  });

  it('an output rewritten in place by hand is put back from the store, which kept its own copy', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    fs.writeFileSync(ws.path('out/b3.txt'), 'scribbled over\n');
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual([]);
    expect(run.outcome.b3).toBe('restored');
    expect(ws.read('out/b3.txt')).toBe(before['out/b3.txt']);
    expect(run.events.filter((e) => e.event === 'warning')).toEqual([]);
  });
});
