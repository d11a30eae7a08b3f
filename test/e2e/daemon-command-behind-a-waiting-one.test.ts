// A command the daemon serves that waits for the workspace (another runner,
// in a process of its own, holds it) does not keep a second command waiting
// behind it in the daemon, silent and deaf to Ctrl-C until both runs are
// over: the second is handed back, and waits for the workspace in a process
// of its own, saying so, as it would without a daemon. The stage `hold` of
// the runner that holds the workspace waits on a FIFO the test writes to
// (the test's control, not a clock).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readDaemonInfo } from '../../src/daemon/paths.js';
import type { CliResult } from './rig.js';
import { DAEMON, killDaemon, outcomes, runStart, startDaemon, waitFor, Workspace } from './rig.js';

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

const WAITING = 'waiting: another runner is using this workspace';

describe('a command asked while the command the daemon serves waits for the workspace', () => {
  let ws: Workspace;
  let pid: number | undefined;
  let gateOpened: Promise<void> | undefined;
  const commands: Promise<unknown>[] = [];
  afterEach(async () => {
    // Whatever failed, the held stage goes on, so every command ends before the workspace goes.
    if (ws.exists('gate') && !gateOpened) gateOpened = fs.promises.writeFile(ws.path('gate'), 'go\n');
    await gateOpened;
    await Promise.allSettled(commands.splice(0));
    gateOpened = undefined;
    const latest = ws.exists('.runner/daemon.json') ? readDaemonInfo(ws.path('.runner/daemon.json'))?.pid : undefined;
    for (const daemon of [pid, latest]) await killDaemon(daemon);
    pid = undefined;
    ws.remove();
  });

  it('is handed back, and waits for the workspace in a process of its own', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('in.txt', 'hello\n');
    ws.write('hold.sh', HOLD);
    pid = await startDaemon(ws, 's');
    ws.write('in.txt', 'edited\n');
    expect(spawnSync('mkfifo', [ws.path('gate')]).status).toBe(0);
    fs.rmSync(ws.path('hold.pid'));

    // A run in a process of its own holds the workspace while `hold` waits on the gate.
    const holder = ws.run(['exec', 's'], { env: { RUNNER_DAEMON: '0' } });
    commands.push(holder);
    await waitFor(() => (ws.exists('hold.pid') && ws.read('hold.pid').trim() !== '' ? true : undefined));
    // The daemon serves this one: it waits for the workspace.
    let isFirstWaiting = false;
    const first = ws.run(['exec', 's', '--json'], {
      env: DAEMON,
      onStderr: (stderr) => {
        isFirstWaiting ||= stderr.includes(WAITING);
      },
    });
    commands.push(first);
    await waitFor(() => (isFirstWaiting ? true : undefined), 10_000, 'the first command to wait');
    let isSecondWaiting = false;
    const second = ws.run(['exec', 's', '--json'], {
      env: DAEMON,
      onStderr: (stderr) => {
        isSecondWaiting ||= stderr.includes(WAITING);
      },
    });
    commands.push(second);
    await waitFor(() => (isSecondWaiting ? true : undefined), 10_000, 'the second command to say it waits');
    gateOpened = fs.promises.writeFile(ws.path('gate'), 'go\n');
    const results: CliResult[] = await Promise.all([holder, first, second]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const [, firstResult, secondResult] = results as [CliResult, CliResult, CliResult];
    expect(runStart(firstResult.events)?.daemon).toBe(true);
    expect(runStart(secondResult.events)?.daemon).toBeUndefined();
    expect(runStart(secondResult.events)?.handedBack).toBe('the daemon is running another command');
    expect(outcomes(secondResult.events)).toEqual({ copy: 'cached', hold: 'cached' });
    expect(ws.read('held.txt')).toBe('EDITED\n');
  }, 60_000);
});
