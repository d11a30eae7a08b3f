// Acceptance: a corrupt blob in .runner/objects is detected (a warning), the
// stage reruns instead of restoring garbage, and the run succeeds.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runEnd, warmDagWorkspace, warnings } from '../cache/dag-workspace.js';

describe('cache: corrupt blob', () => {
  it('warns, reruns the stage, succeeds, and stores a sound blob again', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    const blob = ws.blobOf('b2');
    fs.writeFileSync(blob, 'this is not what was stored\n');
    fs.rmSync(ws.path('out/b2.txt'));

    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(runEnd(run.events).status).toBe('success');
    expect(warnings(run.events).join('\n')).toMatch(/out\/b2\.txt.*corrupt/);
    expect(run.executed).toEqual(['b2']);
    expect(run.outcome.b2).toBe('ran');
    // Same inputs, same output: b3 needs no rerun.
    expect(run.outcome.b3).toBe('cached');
    expect(ws.outputs()).toEqual(before);
    const hash = ws.state().stages['p/b2']?.outputs[0]?.hash;
    expect(
      createHash('sha256')
        .update(fs.readFileSync(ws.blobOf('b2')))
        .digest('hex'),
    ).toBe(hash);

    const again = await ws.exec();
    expect(again.executed).toEqual([]);
  });

  it('a truncated blob is detected the same way', async () => {
    const ws = await warmDagWorkspace();
    fs.truncateSync(ws.blobOf('a1'), 10);
    fs.rmSync(ws.path('out/a1.txt'));
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(warnings(run.events).join('\n')).toMatch(/corrupt/);
    expect(run.executed).toEqual(['a1']);
    expect(run.outcome).toMatchObject({ a1: 'ran', a2: 'cached', a3: 'cached' });
  });
});
