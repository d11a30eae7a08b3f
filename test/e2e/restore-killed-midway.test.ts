// A run killed while it restored a stage's outputs from the cache left the
// temp file of the output it was writing beside it, in the workspace: a
// glob over that directory then took it in (here a downstream stage's
// `inputs: ["out/**"]`, whose command read it), and the next run recorded
// that result. The temp file must go where the next run sweeps it.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, Workspace } from './rig.js';

// Loaded into the runner: SIGKILLs it just before it renames a file onto a path matching KILL_AT.
const HOOK = `const fs = require('node:fs');
const at = process.env.KILL_AT && new RegExp(process.env.KILL_AT);
if (at && /runner\\.cjs$/.test(process.argv[1] ?? '')) {
  const original = fs.renameSync;
  fs.renameSync = function (from, to) {
    if (at.test(String(to))) process.kill(process.pid, 'SIGKILL');
    return original.call(this, from, to);
  };
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      a: { shell: "mkdir -p out && seq 1 1000 > out/one && seq 5 9 > out/two", outputs: ["out/**"] }
      b: { needs: [a], shell: "mkdir -p res && ls out > res/list && cat out/* | wc -l > res/n", inputs: ["out/**"], outputs: [res/list, res/n] }
`;

describe('a run killed while restoring outputs', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) ws.remove();
  });

  it('leaves nothing in the outputs’ directory for the next run to take in', async () => {
    const ws = new Workspace('runner-restore-killed-');
    made.push(ws);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('hook.cjs', HOOK);
    const first = await ws.run(['exec', 'p', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const expected = { list: ws.read('res/list'), n: ws.read('res/n') };

    fs.rmSync(ws.path('out'), { recursive: true });
    const killed = await ws.run(['exec', 'p', '--json'], {
      env: { NODE_OPTIONS: `--require ${ws.path('hook.cjs')}`, KILL_AT: '/out/two$' },
    });
    expect(killed.code, 'killed as it restored out/two').toBeNull();

    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(outcomes(rerun.events)).toEqual({ a: 'restored', b: 'cached' });
    expect(fs.readdirSync(ws.path('out')).sort()).toEqual(['one', 'two']);
    expect({ list: ws.read('res/list'), n: ws.read('res/n') }).toEqual(expected);
  }, 60_000);
});
