// A list of 512 files or more but under the stat pass's 8,192 (simtask's
// 2,000 sources) goes through a stat pass too in the runs the daemon serves
// or hands back: the daemon keeps it and vouches for the files its watchers
// saw nothing happen to. A touched file is stat'ed again, an edited one
// too (and its stage runs), and a list shorter than 512 is stat'ed file by
// file, as before.
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DAEMON, killDaemon, outcomes, runStart, startDaemon, Workspace } from './rig.js';
import { countPipeline } from './many-files.js';
import { READ_WORK, runEnd, vouchedNoop } from './vouching.js';

function workspace(files: number): Workspace {
  const ws = new Workspace('runner-vouch-short-', fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  ws.write('pipelines.yaml', countPipeline());
  ws.write('work.mjs', READ_WORK);
  for (let i = 0; i < files; i++) ws.write(`data/d${i % 4}/f${String(i).padStart(4, '0')}.txt`, 'ab\n');
  return ws;
}

describe('the daemon vouches for a list under the stat pass length', { timeout: 120_000 }, () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    ws.remove();
  });

  it('of 2,000 files: stats only the touched or edited ones', async () => {
    ws = workspace(2000);
    pid = await startDaemon(ws, 'p');
    expect(await vouchedNoop(ws, { count: 'cached' })).toBe(2000);

    ws.write('data/d1/f0101.txt', 'ab\n');
    const touched = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(outcomes(touched.events)).toEqual({ count: 'cached' });
    expect(runEnd(touched)?.filesVouched).toBe(1999);

    ws.write('data/d2/f0202.txt', 'xy\n');
    const edited = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(edited.code, edited.stderr).toBe(0);
    expect(outcomes(edited.events)).toEqual({ count: 'ran' });
    expect(runEnd(edited)?.filesVouched).toBe(1999);
  });

  it('of fewer than 512 files: stats every one', async () => {
    ws = workspace(400);
    pid = await startDaemon(ws, 'p');
    for (let turn = 0; turn < 3; turn++) {
      const noop = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
      expect(runStart(noop.events)?.daemon).toBe(true);
      expect(runEnd(noop)?.filesVouched).toBeUndefined();
    }
  });
});
