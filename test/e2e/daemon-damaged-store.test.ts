// The daemon never repairs a damaged cache.sqlite: a run it hands back
// drops its held events, so the warning would be lost and the user never
// told where the old file went. The command that runs the stage repairs it,
// and says so.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { daemonStarted, isAlive, outcomes, Workspace } from './rig.js';

const DAEMON = { RUNNER_DAEMON: '1' };

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy:
        shell: "cat in.txt > copy.txt"
        inputs: [in.txt]
        outputs: [copy.txt]
`;

describe('the daemon and a damaged cache.sqlite', () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(() => {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    pid = undefined;
    ws.remove();
  });

  it('hands the run back untouched; the command that runs it repairs the store and warns once', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('in.txt', 'hello\n');
    expect((await ws.run(['exec', 'p'], { env: DAEMON })).code).toBe(0);
    // A no-op in a process of its own starts the daemon.
    expect((await ws.run(['exec', 'p'], { env: DAEMON })).code).toBe(0);
    pid = await daemonStarted(ws);

    // The edit misses the workspace state: the daemon's run looks the stage up in the store.
    for (const suffix of ['-wal', '-shm']) fs.rmSync(ws.path('.runner', `cache.sqlite${suffix}`), { force: true });
    fs.writeFileSync(ws.path('.runner', 'cache.sqlite'), 'not a database\n');
    ws.write('in.txt', 'edited\n');
    const result = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(result.code, result.stderr).toBe(0);
    expect(outcomes(result.events), result.stderr).toEqual({ copy: 'ran' });
    const start = result.events.find((e): e is Extract<RunEvent, { event: 'run:start' }> => e.event === 'run:start');
    expect(start?.daemon, result.stderr).toBeUndefined();
    const warnings = result.events.filter((e) => e.event === 'warning').map((e) => e.message);
    expect(warnings, result.stderr).toEqual([
      expect.stringMatching(/the database is damaged \(SQLITE_NOTADB: .*\): moved it to /),
    ]);
    const aside = fs.readdirSync(ws.path('.runner')).filter((name) => /^cache\.sqlite\.corrupt-\d+T\d+Z$/.test(name));
    expect(aside).toHaveLength(1);
    expect(ws.read(`.runner/${aside[0]}`)).toBe('not a database\n');
  });
});
