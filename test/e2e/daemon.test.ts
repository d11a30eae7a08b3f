// The runner daemon: started after a no-op run in a process of its own, it answers
// runs where every stage is cached, and hands back every run where a stage
// must run, which then runs in a fresh process (stage code never runs in the
// daemon). It goes away with .runner or on `runner daemon stop`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readDaemonInfo } from '../../src/daemon/paths.js';
import {
  BIN,
  DAEMON,
  daemonStarted,
  isAlive,
  killDaemon,
  outcomes,
  runStart,
  startDaemon,
  waitFor,
  Workspace,
} from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy:
        shell: "cat in.txt > copy.txt"
        inputs: [in.txt]
        outputs: [copy.txt]
      shout:
        run: shout.mjs#shout
        needs: [copy]
        inputs: [copy.txt]
        outputs: [shout.txt]
`;
const shout = (suffix: string): string =>
  `import fs from 'node:fs';\nexport function shout(ctx) { fs.writeFileSync(ctx.workspace.resolve('shout.txt'), fs.readFileSync(ctx.workspace.resolve('copy.txt'), 'utf8').toUpperCase() + '${suffix}'); }\n`;

function workspace(): Workspace {
  const ws = new Workspace();
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('in.txt', 'hello\n');
  ws.write('shout.mjs', shout('!'));
  return ws;
}

/** Processes running `runner daemon start` in `dir`, found in /proc. */
function daemonProcesses(dir: string): number[] {
  const real = fs.realpathSync(dir);
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.includes('daemon') && argv.includes('start') && fs.readlinkSync(`/proc/${pid}/cwd`) === real;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the runner daemon', () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    ws.remove();
  });

  it('answers a no-op run, and hands back a run where a stage must run', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');

    const noop = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(noop.code, noop.stderr).toBe(0);
    expect(runStart(noop.events)?.daemon).toBe(true);
    expect(outcomes(noop.events)).toEqual({ copy: 'cached', shout: 'cached' });

    // Rewritten with the same content (as `touch` does): the daemon answers, all cached.
    ws.write('in.txt', 'hello\n');
    const touched = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(runStart(touched.events)?.daemon).toBe(true);
    expect(outcomes(touched.events)).toEqual({ copy: 'cached', shout: 'cached' });

    // New content of the same size, right away: never answered from a hash made before.
    // The daemon saw the edit (its new hash is not the one it holds): handed back at once, before any key.
    ws.write('in.txt', 'again\n');
    const edited = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBeUndefined();
    expect(runStart(edited.events)?.handedBack).toBe('an input was edited since the last run');
    expect(outcomes(edited.events)).toEqual({ copy: 'ran', shout: 'ran' });
    expect(ws.read('shout.txt')).toBe('AGAIN\n!');
    // The run the daemon handed back left no record of its own: five runs, five records.
    expect(fs.readdirSync(ws.path('.runner/runs')).filter((f) => f.endsWith('.json'))).toHaveLength(5);
  });

  it('answers a command typed in a directory below the workspace, not one in another workspace below it', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');
    ws.write('docs/notes/readme.txt', 'x\n');
    const below = await ws.run(['exec', 'p', '--json'], { env: DAEMON, cwd: ws.path('docs', 'notes') });
    expect(below.code, below.stderr).toBe(0);
    expect(runStart(below.events)?.daemon).toBe(true);
    expect(outcomes(below.events)).toEqual({ copy: 'cached', shout: 'cached' });

    // A nested workspace of its own is not this daemon's to serve.
    ws.write(
      'nested/pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      s:',
        '        shell: "echo nested > out.txt"',
        '',
      ].join('\n'),
    );
    const nested = await ws.run(['exec', 'p', '--json'], { env: DAEMON, cwd: ws.path('nested') });
    expect(nested.code, nested.stderr).toBe(0);
    expect(runStart(nested.events)?.daemon).toBeUndefined();
    expect(outcomes(nested.events)).toEqual({ s: 'ran' });
    expect(ws.read('nested/out.txt')).toBe('nested\n');
  });

  it('never runs stage code: an edited stage module runs, new, in a process of its own', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');
    expect(runStart((await ws.run(['exec', 'p', '--json'], { env: DAEMON })).events)?.daemon).toBe(true);
    ws.write('shout.mjs', shout('?'));
    const edited = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(runStart(edited.events)?.daemon).toBeUndefined();
    expect(outcomes(edited.events)).toEqual({ copy: 'cached', shout: 'ran' });
    expect(ws.read('shout.txt')).toBe('HELLO\n?');
  });

  it('stops on `runner daemon stop`, and by itself when .runner is deleted', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');
    expect((await ws.run(['daemon', 'status'], { env: DAEMON })).stdout).toContain(`daemon pid ${pid}, serving `);
    const stopped = await ws.run(['daemon', 'stop'], { env: DAEMON });
    expect(stopped.stdout).toBe(`stopped the daemon (pid ${pid})\n`);
    expect(isAlive(pid)).toBe(false);
    expect(ws.exists('.runner/daemon.sock')).toBe(false);

    expect((await ws.run(['exec', 'p'], { env: DAEMON })).code).toBe(0);
    pid = await daemonStarted(ws);
    // Done warming up (its rehearsals write in .runner, as an answer does).
    await waitFor(
      () => (readDaemonInfo(ws.path('.runner/daemon.json'))?.readyAt ? true : undefined),
      10_000,
      'the daemon to warm up',
    );
    ws.remove();
    await waitFor(() => (isAlive(pid as number) ? undefined : true), 10_000, 'the daemon to exit');
    ws = workspace();
  });

  it("wraps help to the command's terminal, as a process of its own does", async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');
    /** `runner exec -h` on a terminal 200 columns wide (script(1) gives it one). */
    const help = (daemon: '0' | '1'): string => {
      const shown = spawnSync('script', ['-qc', `stty cols 200; ${process.execPath} ${BIN} exec -h`, '/dev/null'], {
        cwd: ws.dir,
        env: { ...process.env, CI: 'true', NO_COLOR: '1', RUNNER_DAEMON: daemon },
        encoding: 'utf8',
      });
      return shown.stdout.replaceAll('\r\n', '\n');
    };
    const own = help('0');
    expect(own).toContain('run every selected stage even when cached (--force=S: S and its dependents)\n');
    expect(help('1')).toBe(own);
  });

  it('names itself in daemon.json again when the file goes while it serves, so status and stop still find it', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');
    // Done warming up (as it ends, it writes daemon.json again).
    await waitFor(
      () => (readDaemonInfo(ws.path('.runner/daemon.json'))?.readyAt ? true : undefined),
      10_000,
      'the daemon to warm up',
    );
    // As when a second daemon started at the same moment took the socket's place, stopped, and took daemon.json with it.
    fs.rmSync(ws.path('.runner/daemon.json'));
    expect(await daemonStarted(ws)).toBe(pid);
    expect((await ws.run(['daemon', 'status'], { env: DAEMON })).stdout).toContain(`daemon pid ${pid}, serving `);
    expect((await ws.run(['daemon', 'stop'], { env: DAEMON })).stdout).toBe(`stopped the daemon (pid ${pid})\n`);
    expect(isAlive(pid)).toBe(false);
  });

  it('answers no-ops over 9,000 files (a map over them, a task with them as inputs) from the lists it kept, and hands back a run once one changed', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  m:
    stages:
      count:
        run: count.mjs#count
        foreach: { files: ["data/**/*.txt"] }
        cache: { scope: item }
      total:
        run: count.mjs#total
        inputs: ["data/**/*.txt"]
`,
    );
    ws.write(
      'count.mjs',
      'export function count(item) { return { path: item.path }; }\nexport function total() { return [{ n: 1 }]; }\n',
    );
    // More than the stat pass's two-thread threshold (STAT_BESIDE_MIN): the path the kept lists are for.
    for (let i = 0; i < 9000; i++) ws.write(`data/d${i % 9}/f${i}.txt`, `file ${i}\n`);
    const cold = await ws.run(['exec', 'm', '--json'], { env: DAEMON });
    expect(cold.code, cold.stderr).toBe(0);
    await ws.run(['exec', 'm', '--json'], { env: DAEMON });
    pid = await daemonStarted(ws);
    // The first answer builds the lists, the next ones get them back as they were.
    for (let k = 0; k < 3; k++) {
      const noop = await ws.run(['exec', 'm', '--json'], { env: DAEMON });
      expect(runStart(noop.events)?.daemon, noop.stderr).toBe(true);
      expect(outcomes(noop.events)).toEqual({ count: 'cached', total: 'cached' });
    }
    ws.write('data/d4/f4000.txt', 'file 4000, edited\n');
    const edited = await ws.run(['exec', 'm', '--json'], { env: DAEMON });
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBeUndefined();
    expect(runStart(edited.events)?.handedBack).toBe('an input was edited since the last run');
    expect(outcomes(edited.events)).toEqual({ count: 'ran', total: 'ran' });
    const after = await ws.run(['exec', 'm', '--json'], { env: DAEMON });
    expect(runStart(after.events)?.daemon).toBe(true);
    expect(outcomes(after.events)).toEqual({ count: 'cached', total: 'cached' });
  });

  it('is not started under CI, nor with RUNNER_DAEMON=0', async () => {
    ws = workspace();
    // A command starts its daemon (a detached child) before it exits: had it, the process would be there now.
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(daemonProcesses(ws.dir)).toEqual([]);
    expect((await ws.run(['exec', 'p'], { env: { RUNNER_DAEMON: '0', CI: '' } })).code).toBe(0);
    expect(daemonProcesses(ws.dir)).toEqual([]);
    // The same look finds one when a no-op run does start it.
    expect((await ws.run(['exec', 'p'], { env: DAEMON })).code).toBe(0);
    const started = daemonProcesses(ws.dir);
    expect(started).toHaveLength(1);
    pid = started[0];
  });

  it('replaces daemon.json whole (a new file renamed over the old), so no reader sees it half written', async () => {
    ws = workspace();
    // Left by a daemon whose socket is gone (its pid: a live process, so the file is not removed as stale).
    ws.write('.runner/daemon.json', JSON.stringify({ pid: process.pid, build: 'old', startedAt: '2026-01-01' }));
    const before = fs.statSync(ws.path('.runner/daemon.json')).ino;
    const serving = ws.run(['daemon', 'start'], { env: DAEMON });
    pid = await waitFor(() => {
      const info = JSON.parse(ws.read('.runner/daemon.json')) as { pid: number };
      return info.pid === process.pid ? undefined : info.pid;
    });
    // Written in place (truncate, then write), the file would keep its inode.
    expect(fs.statSync(ws.path('.runner/daemon.json')).ino).not.toBe(before);
    process.kill(pid, 'SIGTERM');
    expect((await serving).code).toBe(0);
  });
});
