// A loop of edits (edit, run, edit, run) with a daemon up: every run is
// handed back to its command, so the daemon serves none, and it keeps no
// pass it can vouch for once a list is new to it (here, a directory of
// files added: its first pass was stat'ed before that directory was
// watched). Each run then stat'ed every file itself (at 100,000 files, 0.3 s
// of the main thread's) until a no-op came. Now, once a run it handed back
// is over, the command says so and the daemon rehearses that run, which
// finds it all cached and keeps a pass (daemon.json's rehearsedAt says
// when): the next edit's run is vouched for, all but the file edited.
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DAEMON, killDaemon, outcomes, runStart, startDaemon, waitFor, Workspace } from './rig.js';
import { countPipeline } from './many-files.js';
import { READ_WORK, runEnd } from './vouching.js';

interface Info {
  readyAt?: string;
  rehearsedAt?: string;
}

describe('a run the daemon handed back', { timeout: 120_000 }, () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    ws.remove();
  });

  it("is rehearsed once over, so that the next edit's run is vouched for", async () => {
    ws = new Workspace('runner-vouch-after-', fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
    ws.write('pipelines.yaml', countPipeline());
    ws.write('work.mjs', READ_WORK);
    for (let i = 0; i < 2000; i++) ws.write(`data/d${i % 4}/f${String(i).padStart(4, '0')}.txt`, 'ab\n');
    pid = await startDaemon(ws, 'p');
    const info = (): Info => JSON.parse(ws.read('.runner/daemon.json')) as Info;
    await waitFor(() => info().readyAt, 30_000, 'the daemon to warm up');
    const run = async (): Promise<number | undefined> => {
      const ran = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
      expect(ran.code, ran.stderr).toBe(0);
      expect(runStart(ran.events)?.handedBack).toBeDefined();
      expect(outcomes(ran.events)).toEqual({ count: 'ran' });
      return runEnd(ran)?.filesVouched;
    };
    const rehearsedAfter = (since: string | undefined): Promise<string> =>
      waitFor(
        () => (info().rehearsedAt !== since ? info().rehearsedAt : undefined),
        30_000,
        'the daemon to rehearse the run',
      );

    // 1,000 files more, in a directory new to the daemon.
    for (let i = 2000; i < 3000; i++) ws.write(`data/d4/f${i}.txt`, 'ab\n');
    await run();
    const first = await rehearsedAfter(undefined);
    ws.write('data/d1/f0101.txt', 'xy\n');
    expect(await run()).toBe(2999);
    await rehearsedAfter(first);
    ws.write('data/d4/f2004.txt', 'xy\n');
    expect(await run()).toBe(2999);
  });
});
