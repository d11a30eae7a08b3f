// Files written whole go to `<name>.<pid>.<hex>.tmp` beside their final
// name, and the lock to `lock.<pid>.<id>` before it is linked: the sweep
// removes those of processes that are gone, and keeps a living writer's
// (a daemon saving beside a command's run) and every other file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepTemp } from '../../src/cache/temp-sweep.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(relative: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  fs.writeFileSync(path.join(dir, relative), 'x');
}

describe('sweepTemp, beside the final names', () => {
  it("removes the temp files of dead processes and keeps the living's and everything else", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-beside-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const gone = [
      `state.json.${dead.stdout}.0a1b2c3d.tmp`,
      `lock.${dead.stdout}.k3j4h5`,
      `lock.takeover.${dead.stdout}.z9`,
      `passes/abc.bin.${dead.stdout}.ffee0011.tmp`,
      `modules/src/stages/a.mjs.${dead.stdout}.12345678.tmp`,
    ];
    const kept = [
      'state.json',
      'lock',
      'lock.takeover',
      `stat-cache.bin.${process.pid}.0a1b2c3d.tmp`,
      `lock.${process.pid}.q1`,
      'passes/abc.bin',
      'modules/src/stages/a.mjs',
      `items/s/${dead.stdout}.journal`,
    ];
    for (const name of [...gone, ...kept]) write(name);

    expect(sweepTemp(dir)).toBe(gone.length);
    const left = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((name) =>
      fs.statSync(path.join(dir, name)).isFile(),
    );
    expect(left.sort()).toEqual(kept.sort());
  });
});
