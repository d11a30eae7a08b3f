// A remote worker's temp directory is named after its process
// (runner-worker-<pid>-<random>), so the next worker removes one whose
// process is gone, and never one whose process lives or whose name says no pid.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepPidNamed } from '../../src/cache/temp-sweep.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sweepPidNamed', () => {
  it("removes the entries of dead processes and keeps the living's, and those without a pid", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
    // A process that has exited: its pid names no process now.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const names = [
      `runner-worker-${dead.stdout}-aaaa`,
      `runner-worker-${process.pid}-bbbb`,
      'runner-worker-Xy12Ab',
      `runner-worker-${dead.stdout}`,
      `other-${dead.stdout}-cccc`,
    ];
    for (const name of names) fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, names[0] ?? '', 'left.txt'), 'x');

    expect(sweepPidNamed(dir, 'runner-worker-')).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(names.slice(1).sort());
  });
});
