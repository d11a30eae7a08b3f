// One runner at a time per workspace: a second `runner exec` waits for the
// first (saying who holds the lock) and then finds its work done; a lock
// left by a dead process is taken over; Ctrl-C while waiting exits 130.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLines, outcomes, waitFor, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      slow:
        shell: "echo started >> ran.log; while [ ! -e release ]; do sleep 0.05; done; echo done > out.txt"
        outputs: [out.txt]
`;

describe('the workspace lock', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('makes a second run wait for the first instead of running the same stage at once', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const first = ws.run(['exec', 'p']);
    await waitFor(() => (ws.exists('ran.log') ? true : undefined), 10_000, 'the first run to start its stage');
    const holder = JSON.parse(ws.read('.runner/lock')) as { pid: number; command: string };
    // The first run's stage goes on only once the second run says it waits.
    const second = await ws.run(['exec', 'p', '--json'], {
      onStderr: (stderr) => {
        if (stderr.includes('waiting: another runner') && !ws.exists('release')) ws.write('release', '');
      },
    });
    expect((await first).code).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(
      `waiting: another runner is using this workspace: runner exec (pid ${holder.pid}, since `,
    );
    // The stage ran once, in the first run; the second found it cached.
    expect(fileLines(ws, 'ran.log')).toEqual(['started']);
    expect(outcomes(second.events)).toEqual({ slow: 'cached' });
    expect(ws.exists('.runner/lock')).toBe(false);
  });

  it('says how to free a lock held on another machine, which it cannot check: removed, the run goes on', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write(
      '.runner/lock',
      JSON.stringify({
        pid: 4242,
        host: 'ci-container-1f2e',
        startedAt: '2026-12-01T00:00:00Z',
        command: 'runner exec',
      }),
    );
    ws.write('release', '');
    // The person reads the message and removes the lock, as it says.
    const result = await ws.run(['exec', 'p'], {
      onStderr: (stderr) => {
        if (stderr.includes('waiting: another runner') && ws.exists('.runner/lock')) fs.rmSync(ws.path('.runner/lock'));
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'waiting: another runner is using this workspace: runner exec (pid 4242 on ci-container-1f2e, since 2026-12-01T00:00:00Z); ' +
        `it runs on another machine, so whether it still runs cannot be checked from here: if it is gone, remove ${ws.path('.runner/lock')}`,
    );
    expect(ws.read('out.txt')).toBe('done\n');
  });

  it('takes over a lock left by a process that died', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    ws.write(
      '.runner/lock',
      JSON.stringify({
        pid: Number(dead.stdout),
        host: os.hostname(),
        startedAt: '2026-01-01T00:00:00.000Z',
        command: 'runner exec',
      }),
    );
    ws.write('release', '');
    const result = await ws.run(['exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('waiting');
    expect(ws.exists('.runner/lock')).toBe(false);
  });

  it('stops waiting on Ctrl-C with exit code 130, leaving the other runner its lock', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    // A live process of this host holds the lock: this test's own.
    const lock = JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      startedAt: new Date().toISOString(),
      command: 'runner exec',
    });
    ws.write('.runner/lock', lock);
    const result = await ws.run(['exec', 'p'], {
      onStderr: (stderr, kill) => {
        if (stderr.includes('waiting: another runner')) kill('SIGINT');
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`(pid ${process.pid}, since`);
    expect(ws.exists('ran.log')).toBe(false);
    expect(fs.readFileSync(ws.path('.runner/lock'), 'utf8')).toBe(lock);
  });
});
