// Stages that say `warm: true` run in the daemon itself: an edit's run is
// served, its map items and its task computed in the daemon's process (their
// records carry process.pid), seeing the command's arguments, environment
// and working directory, and what they print reaches the command; so do the
// worker threads and child processes of `isolate: worker` and `process`, and
// a program a child started that keeps its output does not hold the run up.
// When the code it loaded changes, the daemon hands the run back (the
// command computes it with the new code) and exits; when stage code ends the
// daemon mid-run, the command says what to do. A run with a stage that is
// not warm is handed back as before.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DAEMON,
  isAlive,
  killDaemon,
  outcomes,
  runAndSignal,
  runStart,
  startDaemon,
  waitFor,
  Workspace,
} from './rig.js';

const pipeline = (reportIsWarm: boolean): string => `version: 1
pipelines:
  w:
    stages:
      items:
        run: work.mjs#item
        foreach: { files: ["in/*.txt"] }
        cache: { scope: item }
        warm: true
      report:
        run: work.mjs#report
        needs: [items]
        outputs: [report.json]
        warm: ${reportIsWarm}
  held:
    stages:
      hold:
        run: work.mjs#hold
        foreach: { files: ["in/*.txt"] }
        batchSize: 1
        warm: true
  isolated:
    stages:
      threads:
        run: work.mjs#where
        foreach: { files: ["in/*.txt"] }
        isolate: worker
        cache: { scope: item }
        warm: true
      children:
        run: work.mjs#where
        foreach: { files: ["in/*.txt"] }
        isolate: process
        cache: { scope: item }
        warm: true
  fatal:
    stages:
      die:
        run: work.mjs#die
        foreach: { files: ["in/*.txt"] }
        batchSize: 1
        cache: { scope: item }
        warm: true
  starter:
    stages:
      start:
        run: work.mjs#start
        foreach: { files: ["in/*.txt"] }
        isolate: process
        cache: { scope: item }
        warm: true
`;

// Says which item it computes on stdout, and where it ran.
const WORK = (version: number): string => `import { spawn } from 'node:child_process';
import fs from 'node:fs';
export function item(file, ctx) {
  console.log('computing ' + file.path);
  return {
    path: file.path,
    text: fs.readFileSync(ctx.workspace.resolve(file.path), 'utf8').trim(),
    pid: process.pid,
    env: process.env.WARM_TEST ?? null,
    cwd: process.cwd(),
    argv: process.argv.slice(2),
    version: ${version},
  };
}
// Says it started (its pid), then waits until the file \`go\` is there, or it is cancelled; says where it ran.
export async function hold(file, ctx) {
  fs.writeFileSync(ctx.workspace.resolve('started'), String(process.pid));
  while (!fs.existsSync(ctx.workspace.resolve('go'))) {
    if (ctx.signal.aborted) throw new Error('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const held = { pid: process.pid, env: process.env.WARM_TEST ?? null };
  fs.writeFileSync(ctx.workspace.resolve('held.json'), JSON.stringify(held));
  return { path: file.path, ...held };
}
// Says which stage computes which item, on stdout, and where (its process, that process's parent, the environment), in seen/.
export function where(file, ctx) {
  console.log(ctx.stage + ' computing ' + file.path);
  const seen = { pid: process.pid, ppid: process.ppid, env: process.env.WARM_TEST ?? null };
  fs.mkdirSync(ctx.workspace.resolve('seen'), { recursive: true });
  fs.writeFileSync(ctx.workspace.resolve('seen/' + ctx.stage + '-' + file.path.slice(3)), JSON.stringify(seen));
  return { path: file.path, ...seen };
}
// With DIE set, ends the process it runs in (SIGKILL) at in/b.txt.
export function die(file) {
  if (process.env.DIE && file.path === 'in/b.txt') process.kill(process.pid, 'SIGKILL');
  return { path: file.path, pid: process.pid };
}
// With HOLD set, starts a program that outlives it, holding its output, and says the program's pid in started/.
export function start(file, ctx) {
  if (!process.env.HOLD) return { path: file.path };
  const program = spawn('sleep', ['120'], { stdio: 'inherit' });
  program.unref();
  fs.mkdirSync(ctx.workspace.resolve('started'), { recursive: true });
  fs.writeFileSync(ctx.workspace.resolve('started/' + file.path.slice(3)), String(program.pid));
  return { path: file.path };
}
export async function report(ctx) {
  const items = [];
  for await (const record of ctx.upstream('items')) items.push(record);
  fs.writeFileSync(ctx.workspace.resolve('report.json'), JSON.stringify({ pid: process.pid, items }));
  return [{ items: items.length }];
}
`;

interface Report {
  pid: number;
  items: {
    path: string;
    text: string;
    pid: number;
    env: string | null;
    cwd: string;
    argv: string[];
    version: number;
  }[];
}

function workspace(reportIsWarm = true): Workspace {
  const ws = new Workspace();
  ws.write('pipelines.yaml', pipeline(reportIsWarm));
  ws.write('work.mjs', WORK(1));
  ws.write('in/a.txt', 'a\n');
  ws.write('in/b.txt', 'b\n');
  return ws;
}

const report = (ws: Workspace): Report => JSON.parse(ws.read('report.json')) as Report;
const itemOf = (ws: Workspace, path: string): Report['items'][number] | undefined =>
  report(ws).items.find((item) => item.path === path);

describe('the daemon runs warm stages itself', () => {
  let ws: Workspace;
  let pid: number | undefined;
  /** Programs a stage started that outlive it. */
  const programs: number[] = [];
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    for (const program of programs.splice(0)) if (isAlive(program)) process.kill(program);
    ws.remove();
  });

  it("computes an edit's items and task in its own process, as the command: its environment, directory and output", async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'w');
    ws.write('in/b.txt', 'edited\n');
    const edited = await ws.run(['exec', 'w', '--json'], { env: { ...DAEMON, WARM_TEST: 'first' } });
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBe(true);
    expect(runStart(edited.events)?.handedBack).toBeUndefined();
    expect(outcomes(edited.events)).toEqual({ items: 'ran', report: 'ran' });
    // Computed in the daemon, with the command's environment and arguments.
    expect(itemOf(ws, 'in/b.txt')).toMatchObject({
      text: 'edited',
      pid,
      env: 'first',
      argv: ['exec', 'w', '--json'],
      version: 1,
    });
    expect(report(ws).pid).toBe(pid);
    // The item the edit left alone came from the cache, computed by the cold run in a process of its own.
    expect(itemOf(ws, 'in/a.txt')?.pid).not.toBe(pid);
    expect(edited.stdout).toContain('computing in/b.txt\n');
    expect(edited.stdout).not.toContain('computing in/a.txt');

    // The next command's environment and working directory (a directory below the workspace's), not the last one's.
    ws.write('in/a.txt', 'again\n');
    const next = await ws.run(['exec', 'w', '--json'], { env: { ...DAEMON, WARM_TEST: 'second' }, cwd: ws.path('in') });
    expect(next.code, next.stderr).toBe(0);
    expect(runStart(next.events)?.daemon).toBe(true);
    expect(itemOf(ws, 'in/a.txt')).toMatchObject({
      text: 'again',
      pid,
      env: 'second',
      cwd: fs.realpathSync(ws.path('in')),
    });
    expect(isAlive(pid)).toBe(true);
  });

  it('hands the run back and exits once the code it loaded changed: the command computes it with the new code', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'w');
    ws.write('in/b.txt', 'edited\n');
    const served = await ws.run(['exec', 'w', '--json'], { env: DAEMON });
    expect(runStart(served.events)?.daemon).toBe(true);
    expect(itemOf(ws, 'in/b.txt')).toMatchObject({ pid, version: 1 });

    ws.write('work.mjs', WORK(2));
    const changed = await ws.run(['exec', 'w', '--json'], { env: DAEMON });
    expect(changed.code, changed.stderr).toBe(0);
    expect(runStart(changed.events)?.daemon).toBeUndefined();
    expect(runStart(changed.events)?.handedBack).toBe('the code of a warm stage changed since the daemon loaded it');
    expect(outcomes(changed.events)).toEqual({ items: 'ran', report: 'ran' });
    for (const path of ['in/a.txt', 'in/b.txt']) {
      expect(itemOf(ws, path)?.version).toBe(2);
      expect(itemOf(ws, path)?.pid).not.toBe(pid);
    }
    const daemon = pid;
    await waitFor(() => (isAlive(daemon) ? undefined : true), 10_000, 'the daemon to exit');
    expect(fs.existsSync(ws.path('.runner/daemon.json'))).toBe(false);
  });

  it('cancels a warm run on Ctrl-C, and serves the next command as itself again', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'w');
    const interrupted = await runAndSignal(ws, ['exec', 'held', '--json'], {
      whenExists: 'started',
      env: { ...DAEMON, WARM_TEST: 'interrupted' },
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(runStart(interrupted.events)?.daemon).toBe(true);
    expect(ws.read('started')).toBe(String(pid));
    expect(isAlive(pid)).toBe(true);

    ws.write('go', '');
    const again = await ws.run(['exec', 'held', '--json'], { env: { ...DAEMON, WARM_TEST: 'again' } });
    expect(again.code, again.stderr).toBe(0);
    expect(runStart(again.events)?.daemon).toBe(true);
    expect(outcomes(again.events)).toEqual({ hold: 'ran' });
    // Computed in the daemon, with this command's environment, not the cancelled one's.
    expect(JSON.parse(ws.read('held.json'))).toEqual({ pid, env: 'again' });
  });

  it("runs a warm stage's worker threads and child processes as the command: its environment, its output", async () => {
    ws = workspace();
    // Three items to compute: two or fewer would be computed on the main thread instead of starting a pool.
    ws.write('in/c.txt', 'c\n');
    pid = await startDaemon(ws, 'isolated');
    for (const name of ['a', 'b', 'c']) ws.write(`in/${name}.txt`, `${name} edited\n`);
    const edited = await ws.run(['exec', 'isolated', '--json'], { env: { ...DAEMON, WARM_TEST: 'the command' } });
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBe(true);
    expect(outcomes(edited.events)).toEqual({ threads: 'ran', children: 'ran' });
    const seen = (stage: string): { pid: number; ppid: number; env: string | null }[] =>
      ['a', 'b', 'c'].map((name) => JSON.parse(ws.read(`seen/${stage}-${name}.txt`)));
    // Threads of the daemon's process; processes the daemon started.
    expect(seen('threads').map(({ pid: p, env }) => ({ p, env }))).toEqual(
      Array(3).fill({ p: pid, env: 'the command' }),
    );
    expect(seen('children').map(({ ppid, env }) => ({ ppid, env }))).toEqual(
      Array(3).fill({ ppid: pid, env: 'the command' }),
    );
    for (const stage of ['threads', 'children'])
      for (const name of ['a', 'b', 'c']) expect(edited.stdout).toContain(`${stage} computing in/${name}.txt\n`);
  });

  it("does not wait for a program a warm stage's child process started that holds the output", async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'starter');
    ws.write('in/b.txt', 'edited\n');
    const edited = await ws.run(['exec', 'starter', '--json'], { env: { ...DAEMON, HOLD: '1' } });
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBe(true);
    expect(outcomes(edited.events)).toEqual({ start: 'ran' });
    const program = Number(ws.read('started/b.txt'));
    programs.push(program);
    // The run ended while the program it started still runs, holding the pipe of the command's output.
    expect(isAlive(program)).toBe(true);
  });

  it('says so when a warm stage ends the daemon mid-run, and what to do; the next command runs it', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'fatal');
    ws.write('in/a.txt', 'a edited\n');
    ws.write('in/b.txt', 'b edited\n');
    const killed = await ws.run(['exec', 'fatal'], { env: { ...DAEMON, DIE: '1' } });
    expect(killed.code).toBe(1);
    expect(killed.stderr).toContain(
      'runner: the daemon stopped in the middle of the run; run the command again: it goes on from the work the run finished\n',
    );
    const daemon = pid;
    await waitFor(() => (isAlive(daemon) ? undefined : true), 10_000, 'the daemon to be gone');

    const again = await ws.run(['exec', 'fatal', '--json'], { env: DAEMON });
    expect(again.code, again.stderr).toBe(0);
    expect(runStart(again.events)?.daemon).toBeUndefined();
    // (Whether in/a.txt's block was journaled before in/b.txt ended the daemon is the scheduler's to say;
    // a resumed run reusing journaled blocks is kill-resume.test.ts's.)
    expect(outcomes(again.events)).toEqual({ die: 'ran' });
    expect(again.events.find((event) => event.event === 'stage:end')?.items).toMatchObject({ total: 2, failed: 0 });
  });

  it('hands a run back when one of its stages with code is not warm', async () => {
    ws = workspace(false);
    pid = await startDaemon(ws, 'w');
    ws.write('in/b.txt', 'edited\n');
    const edited = await ws.run(['exec', 'w', '--json'], { env: DAEMON });
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBeUndefined();
    expect(runStart(edited.events)?.handedBack).toBeDefined();
    expect(itemOf(ws, 'in/b.txt')?.text).toBe('edited');
    expect(itemOf(ws, 'in/b.txt')?.pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(true);
  });
});
