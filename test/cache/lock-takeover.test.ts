// Taking over a dead runner's lock must never remove a lock a live runner
// holds, and a lock path that is not a file is an error, not a busy loop. A
// runner killed but not yet collected by its parent (a zombie) is dead: its
// lock is taken over at once.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockError, lockWorkspace, takeOver } from '../../src/cache/lock.js';
import { isProcessAlive } from '../../src/util/process.js';

const deadPid = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
const holder = (pid: number, startedAt: string) => ({ pid, host: os.hostname(), startedAt, command: 'runner exec' });

describe('the workspace lock under contention', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves alone a lock that a live runner took after the dead one was seen', () => {
    const file = path.join(dir, 'lock');
    const dead = holder(deadPid(), '2026-01-01T00:00:00.000Z');
    fs.writeFileSync(file, JSON.stringify(dead));
    // Another runner removed the dead lock and took it between this runner's read and its removal.
    const live = holder(process.pid, new Date().toISOString());
    fs.writeFileSync(file, JSON.stringify(live));
    takeOver(file, dead, holder(process.pid, new Date().toISOString()));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(live);
    expect(fs.existsSync(`${file}.takeover`)).toBe(false);
    // The dead one's lock itself is removed.
    fs.writeFileSync(file, JSON.stringify(dead));
    takeOver(file, dead, live);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('takes over at once the lock of a runner that exited and whose parent has not collected it', async () => {
    // A parent that never waits for its child, which exits at once: a zombie while the parent sleeps.
    const parent = spawn('perl', ['-e', '$| = 1; my $pid = fork(); exit 0 if $pid == 0; print "$pid\\n"; sleep 60'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const zombie = Number(
        await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))),
      );
      // Wait (by control, not time) until it has exited: its state turns to Z.
      while (!fs.readFileSync(`/proc/${zombie}/stat`, 'latin1').includes(') Z '))
        await new Promise((r) => setImmediate(r));
      // Signal 0 still finds it: a check by kill alone would wait for it forever.
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessAlive(zombie)).toBe(false);
      expect(isProcessAlive(parent.pid as number)).toBe(true);
      fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify(holder(zombie, '2026-01-01T00:00:00.000Z')));
      let waited = '';
      const release = await lockWorkspace(dir, { command: 'test', onWait: (who) => (waited = who) });
      expect(waited).toBe('');
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
      release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('fails at once, naming it, when the lock path is a directory', async () => {
    fs.mkdirSync(path.join(dir, 'lock'));
    const error = await lockWorkspace(dir, { command: 'test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockError);
    expect((error as Error).message).toContain(`${path.join(dir, 'lock')} is a directory`);
  });
});
