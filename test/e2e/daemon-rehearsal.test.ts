// As it starts, the daemon runs again the no-op command it was started
// after (RUNNER_DAEMON_REHEARSE, set by `exec`), to warm its stat cache and
// code. A rehearsal keeps nothing: it never runs or restores a stage (shell
// stages included, which the daemon otherwise runs), writes no run record
// and prints nothing. Its first rehearsal always comes before any command's
// answer (it is queued as the daemon starts serving), so a command asked
// right after the start finds what the rehearsal left.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, DAEMON, daemonStarted, isAlive, outcomes, runStart, waitFor, Workspace } from './rig.js';
import type { CliResult } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      log:
        shell: "echo ran >> runs.txt; cat in.txt > out.txt"
        inputs: [in.txt]
        outputs: [out.txt]
  q:
    stages:
      hold:
        shell: "echo $$ > hold.pid; if [ -p gate ]; then read line < gate; fi; echo held > held.txt"
        outputs: [held.txt]
`;

/** `runner daemon start` in `ws`, told to rehearse `runner exec p` (or given `variable` as it is). */
function startRehearsing(ws: Workspace, variable = JSON.stringify({ argv: ['exec', 'p'], cwd: ws.dir })): ChildProcess {
  return spawn(process.execPath, [BIN, 'daemon', 'start'], {
    cwd: ws.dir,
    env: { ...process.env, ...DAEMON, RUNNER_DAEMON_REHEARSE: variable },
    stdio: 'ignore',
  });
}

const records = (ws: Workspace): string[] =>
  fs.readdirSync(ws.path('.runner/runs')).filter((file) => file.endsWith('.json'));

describe("the daemon's rehearsal", () => {
  let ws: Workspace;
  let daemon: ChildProcess | undefined;
  /** Stops the daemon the test started, if it still runs, and waits for it to go. */
  async function stopDaemon(): Promise<void> {
    const pid = daemon?.pid;
    daemon = undefined;
    if (pid === undefined || !isAlive(pid)) return;
    process.kill(pid, 'SIGTERM');
    await waitFor(() => (isAlive(pid) ? undefined : true), 10_000, 'the daemon to stop');
  }

  /** A workspace of PIPELINE after a run of p in a process of its own. */
  async function workspace(): Promise<Workspace> {
    const made = new Workspace();
    made.write('pipelines.yaml', PIPELINE);
    made.write('in.txt', 'one\n');
    expect((await made.run(['exec', 'p'])).code).toBe(0);
    return made;
  }

  /** A daemon started in `ws` to rehearse (startRehearsing), then `runner exec p --json` asked of it. */
  async function askAfterRehearsal(variable?: string): Promise<CliResult> {
    daemon = startRehearsing(ws, variable);
    await daemonStarted(ws);
    return ws.run(['exec', 'p', '--json'], { env: DAEMON });
  }

  afterEach(async () => {
    await stopDaemon();
    ws.remove();
  });

  it('never runs a stage that must run, shell stages included: the command asked next runs it, once', async () => {
    ws = await workspace();
    ws.write('in.txt', 'two\n');
    const answer = await askAfterRehearsal();
    expect(answer.code, answer.stderr).toBe(0);
    expect(runStart(answer.events)?.daemon).toBe(true);
    expect(outcomes(answer.events)).toEqual({ log: 'ran' });
    expect(ws.read('runs.txt')).toBe('ran\nran\n');
    expect(ws.read('out.txt')).toBe('two\n');
    expect(records(ws)).toHaveLength(2);
  });

  it('of an all-cached run writes no run record and restores no output', async () => {
    ws = await workspace();
    // A no-op with nothing to restore, rehearsed: its record would be a third.
    const noop = await askAfterRehearsal();
    expect(runStart(noop.events)?.daemon).toBe(true);
    expect(outcomes(noop.events)).toEqual({ log: 'cached' });
    expect(records(ws)).toHaveLength(2);
    await stopDaemon();

    // An output deleted: a rehearsal would restore it; only the run a command asks for does.
    fs.rmSync(ws.path('out.txt'));
    const restored = await askAfterRehearsal();
    expect(restored.code, restored.stderr).toBe(0);
    expect(outcomes(restored.events)).toEqual({ log: 'restored' });
    expect(ws.read('out.txt')).toBe('one\n');
    expect(ws.read('runs.txt')).toBe('ran\n');
    expect(records(ws)).toHaveLength(3);
  });

  it('stops when a command asks: a command never waits behind a rehearsal that waits for the workspace', async () => {
    ws = await workspace();
    // Another runner holds the workspace: q's stage waits on a FIFO the test writes to.
    expect(spawnSync('mkfifo', [ws.path('gate')]).status).toBe(0);
    const holding = ws.run(['exec', 'q']);
    await waitFor(() => (ws.exists('hold.pid') ? true : undefined), 10_000, 'q to hold the workspace');
    // The rehearsal of p waits for the workspace, saying so to nobody.
    daemon = startRehearsing(ws);
    const pid = await daemonStarted(ws);
    const status = async (): Promise<string> => (await ws.run(['daemon', 'status'], { env: DAEMON })).stdout;
    expect(await status()).toMatch(new RegExp(`^daemon pid ${pid}, serving .* \\(warming up\\)\\n$`));
    let opened: Promise<void> | undefined;
    const asked = ws.run(['exec', 'p', '--json'], {
      env: DAEMON,
      // The command itself says it waits: its answer is under way, not queued behind the rehearsal.
      onStderr: (stderr) => {
        if (!opened && stderr.includes('waiting: another runner is using this workspace'))
          opened = fs.promises.writeFile(ws.path('gate'), 'go\n');
      },
    });
    try {
      await waitFor(() => opened, 10_000, 'the command to say it waits for the workspace');
    } finally {
      // Whatever happened, q goes on (a FIFO write waits for its reader).
      if (!opened) await fs.promises.writeFile(ws.path('gate'), 'go\n');
    }
    const answer = await asked;
    expect(answer.code, answer.stderr).toBe(0);
    expect(runStart(answer.events)?.daemon).toBe(true);
    expect(outcomes(answer.events)).toEqual({ log: 'cached' });
    expect((await holding).code).toBe(0);
    // The rehearsal it stopped was its last: the daemon is ready.
    expect(await status()).toMatch(new RegExp(`^daemon pid ${pid}, serving .* since [^ ]+\\n$`));
  });

  it.each([
    ['not JSON', '{"argv": ['],
    ['no argv', JSON.stringify({ cwd: '/' })],
    ['a command it would not answer', JSON.stringify({ argv: ['exec', 'p', '--report', 'r.html'], cwd: '/' })],
  ])('with %s to rehearse, rehearses nothing: ready at once, and answers', async (_what, variable) => {
    ws = await workspace();
    daemon = startRehearsing(ws, variable);
    await daemonStarted(ws);
    expect(JSON.parse(ws.read('.runner/daemon.json'))).toHaveProperty('readyAt');
    const noop = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(runStart(noop.events)?.daemon).toBe(true);
    expect(outcomes(noop.events)).toEqual({ log: 'cached' });
    expect(ws.exists('r.html')).toBe(false);
  });
});
