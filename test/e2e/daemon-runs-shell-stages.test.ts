// The daemon runs a run whose every stage is a shell command itself (each
// command starts in a process of its own, so nothing of it can go stale
// there): its events reach the command as they happen, Ctrl-C cancels the
// command it runs, and a second command meanwhile runs in a process of its
// own, waiting for the workspace. The stage `hold` waits on a FIFO the test
// writes to (the test's control, not a clock).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIN,
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

const PIPELINE = `version: 1
pipelines:
  s:
    stages:
      copy:
        shell: "cat in.txt > copy.txt"
        inputs: [in.txt]
        outputs: [copy.txt]
      hold:
        shell: "sh hold.sh"
        needs: [copy]
        inputs: [copy.txt, hold.sh]
        outputs: [held.txt]
`;

// Writes its pid, then (when the FIFO \`gate\` is there) waits for a line on it.
const HOLD = `echo $$ > hold.pid
if [ -p gate ]; then read line < gate; fi
tr a-z A-Z < copy.txt > held.txt
`;

const hasEvent = (stdout: string, event: string, stage: string): boolean =>
  stdout.includes(`{"event":"${event}","pipeline":"s","stage":"${stage}"`);

function workspace(): Workspace {
  const ws = new Workspace();
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('in.txt', 'hello\n');
  ws.write('hold.sh', HOLD);
  return ws;
}

function makeGate(ws: Workspace): void {
  const made = spawnSync('mkfifo', [ws.path('gate')]);
  expect(made.status).toBe(0);
}

/** Lets `hold` go on: a line written to the FIFO it reads (the write waits for it to open the FIFO). */
function openGate(ws: Workspace): Promise<void> {
  return fs.promises.writeFile(ws.path('gate'), 'go\n');
}

describe('the daemon runs a pipeline of shell stages', () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    ws.remove();
  });

  it('runs the stages an edit invalidated, its events reaching the command as they happen', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 's');
    ws.write('in.txt', 'edited\n');
    makeGate(ws);
    let opened: Promise<void> | undefined;
    const edited = await ws.run(['exec', 's', '--json'], {
      env: DAEMON,
      // copy ended and hold started while hold waits on the gate: the run is not over, its events are here.
      onStdout: (stdout) => {
        if (!opened && hasEvent(stdout, 'stage:end', 'copy') && hasEvent(stdout, 'stage:start', 'hold'))
          opened = openGate(ws);
      },
    });
    await opened;
    expect(opened, 'the events came only when the run was over').toBeDefined();
    expect(edited.code, edited.stderr).toBe(0);
    expect(runStart(edited.events)?.daemon).toBe(true);
    expect(runStart(edited.events)?.handedBack).toBeUndefined();
    expect(outcomes(edited.events)).toEqual({ copy: 'ran', hold: 'ran' });
    expect(ws.read('held.txt')).toBe('EDITED\n');
    // Its run record is there, as a run in a process of its own leaves one: cold, no-op, this run.
    expect(fs.readdirSync(ws.path('.runner/runs')).filter((f) => f.endsWith('.json'))).toHaveLength(3);

    fs.rmSync(ws.path('gate'));
    const noop = await ws.run(['exec', 's', '--json'], { env: DAEMON });
    expect(runStart(noop.events)?.daemon).toBe(true);
    expect(outcomes(noop.events)).toEqual({ copy: 'cached', hold: 'cached' });
  });

  it('cancels the command it runs on Ctrl-C: the command exits 130, the stage is gone, the next run runs it', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 's');
    ws.write('in.txt', 'edited\n');
    makeGate(ws);
    fs.rmSync(ws.path('hold.pid'));
    const interrupted = await runAndSignal(ws, ['exec', 's', '--json'], { whenExists: 'hold.pid', env: DAEMON });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(runStart(interrupted.events)?.daemon).toBe(true);
    expect(outcomes(interrupted.events)).toEqual({ copy: 'ran', hold: 'cancelled' });
    const stagePid = Number(ws.read('hold.pid'));
    await waitFor(() => (isAlive(stagePid) ? undefined : true), 10_000, 'the cancelled stage to end');
    expect(isAlive(pid)).toBe(true);

    fs.rmSync(ws.path('gate'));
    const again = await ws.run(['exec', 's', '--json'], { env: DAEMON });
    expect(again.code, again.stderr).toBe(0);
    expect(runStart(again.events)?.daemon).toBe(true);
    expect(outcomes(again.events)).toEqual({ copy: 'cached', hold: 'ran' });
    expect(ws.read('held.txt')).toBe('EDITED\n');
  });

  it("makes the commands' files with the command's umask, not its own", async () => {
    ws = workspace();
    pid = await startDaemon(ws, 's');
    // Made by a command with the daemon's umask (the test's own), as the daemon would make it.
    expect(fs.statSync(ws.path('copy.txt')).mode & 0o777).not.toBe(0o600);
    fs.rmSync(ws.path('copy.txt'));
    ws.write('in.txt', 'edited\n');
    // The daemon was started by a command with the usual umask (022); this one has 077.
    const run = spawnSync('/bin/sh', ['-c', `umask 077 && exec "${process.execPath}" "${BIN}" exec s --json`], {
      cwd: ws.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...DAEMON },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('"daemon":true');
    expect(fs.statSync(ws.path('copy.txt')).mode & 0o777).toBe(0o600);
  });

  it('hands a second command back while it runs stages: that one waits for the workspace in a process of its own', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 's');
    ws.write('in.txt', 'edited\n');
    makeGate(ws);
    let second: ReturnType<Workspace['run']> | undefined;
    let opened: Promise<void> | undefined;
    const first = await ws.run(['exec', 's', '--json'], {
      env: DAEMON,
      onStdout: (stdout) => {
        if (second || !hasEvent(stdout, 'stage:start', 'hold')) return;
        second = ws.run(['exec', 's', '--json'], {
          env: DAEMON,
          // Waiting for the lock the daemon's run holds: now the first may end.
          onStderr: (stderr) => {
            if (!opened && stderr.includes('waiting: another runner is using this workspace')) opened = openGate(ws);
          },
        });
      },
    });
    expect(first.code, first.stderr).toBe(0);
    expect(runStart(first.events)?.daemon).toBe(true);
    expect(outcomes(first.events)).toEqual({ copy: 'ran', hold: 'ran' });
    const later = await (second as ReturnType<Workspace['run']>);
    expect(later.code, later.stderr).toBe(0);
    expect(runStart(later.events)?.daemon).toBeUndefined();
    expect(runStart(later.events)?.handedBack).toBe('the daemon is running another command');
    expect(outcomes(later.events)).toEqual({ copy: 'cached', hold: 'cached' });
  });
});
