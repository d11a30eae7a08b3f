// A run killed between writing a file whole and renaming it into place (the
// workspace state, the stat cache, a blob) or linking the lock leaves the
// temp file it wrote. The next command that takes the lock removes it, as
// it removes .runner/tmp's: each kill would otherwise leave one more, some
// as large as the stat cache.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, Workspace } from './rig.js';

// Loaded into the runner: SIGKILLs it just before it renames (or links) a file whose path matches KILL_AT.
const HOOK = `const fs = require('node:fs');
const at = process.env.KILL_AT && new RegExp(process.env.KILL_AT);
if (at && /runner\\.cjs$/.test(process.argv[1] ?? '')) {
  for (const name of ['renameSync', 'linkSync']) {
    const original = fs[name];
    fs[name] = function (from, ...rest) {
      if (at.test(String(from))) process.kill(process.pid, 'SIGKILL');
      return original.call(this, from, ...rest);
    };
  }
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      s: { shell: "mkdir -p out && cat in/*.txt > out/s.txt", inputs: ["in/*.txt"], outputs: [out/s.txt] }
`;

/** Files under .runner a killed writer may leave: `*.tmp`, the lock's own files, objects/tmp. */
function temps(ws: Workspace): string[] {
  const state = ws.path('.runner');
  return (fs.readdirSync(state, { recursive: true }) as string[]).filter(
    (name) => /\.tmp$|^lock\.|^objects\/tmp\/./.test(name) && fs.statSync(path.join(state, name)).isFile(),
  );
}

describe('temp files of a run killed before it renamed them', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) ws.remove();
  });

  it('are removed by the next run', async () => {
    const ws = new Workspace('runner-temp-left-');
    made.push(ws);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('hook.cjs', HOOK);
    ws.write('in/a.txt', 'a\n');
    const env = { NODE_OPTIONS: `--require ${ws.path('hook.cjs')}` };
    const left: string[] = [];
    for (const at of ['/lock\\.\\d+\\.', '/objects/', '/stat-cache\\.bin\\.', '/state\\.json\\.']) {
      const killed = await ws.run(['exec', 'p', '--json'], { env: { ...env, KILL_AT: at } });
      expect(killed.code, `killed at ${at}: ${killed.stderr}`).toBeNull();
      const now = temps(ws);
      expect(now.length, `a temp file left by the kill at ${at}`).toBeGreaterThan(0);
      left.push(...now);
      // The next kill's run sweeps what this one left: start over from it.
      ws.write('in/a.txt', `a ${at}\n`);
    }
    expect(left.length).toBeGreaterThanOrEqual(4);
    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(outcomes(rerun.events)).toEqual({ s: 'ran' });
    expect(temps(ws)).toEqual([]);
  }, 60_000);
});
