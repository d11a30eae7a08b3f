// The daemon never repairs a damaged cache.sqlite for a run it may hand
// back: such a run drops its held events, so the warning would be lost and
// the user never told where the old file went. The command that runs the
// stage repairs it, and says so. A run the daemon runs whole (every stage a
// shell command) repairs it there, and says so the same way.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DAEMON, daemonStarted, killDaemon, outcomes, runStart, Workspace } from './rig.js';

const SHELL_ONLY = `version: 1
pipelines:
  p:
    stages:
      copy:
        shell: "cat in.txt > copy.txt"
        inputs: [in.txt]
        outputs: [copy.txt]
`;
// With a task stage: the daemon may only answer it all cached.
const WITH_TASK = `${SHELL_ONLY}      count:
        run: count.mjs#count
        needs: [copy]
        inputs: [copy.txt]
`;

describe('the daemon and a damaged cache.sqlite', () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    ws.remove();
  });

  /** A workspace whose daemon serves it, then its cache.sqlite damaged and in.txt edited; the next run's result. */
  async function damagedThenRun(pipeline: string): Promise<Awaited<ReturnType<Workspace['run']>>> {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline);
    ws.write('in.txt', 'hello\n');
    ws.write('count.mjs', 'export function count() { return [{ n: 1 }]; }\n');
    expect((await ws.run(['exec', 'p'], { env: DAEMON })).code).toBe(0);
    // A no-op in a process of its own starts the daemon.
    expect((await ws.run(['exec', 'p'], { env: DAEMON })).code).toBe(0);
    pid = await daemonStarted(ws);

    // The edit misses the workspace state: the run looks the stage up in the store.
    for (const suffix of ['-wal', '-shm']) fs.rmSync(ws.path('.runner', `cache.sqlite${suffix}`), { force: true });
    fs.writeFileSync(ws.path('.runner', 'cache.sqlite'), 'not a database\n');
    ws.write('in.txt', 'edited\n');
    return ws.run(['exec', 'p', '--json'], { env: DAEMON });
  }

  /** The run repaired the store once, said so, and kept the damaged file aside. */
  function expectRepairedOnce(result: Awaited<ReturnType<Workspace['run']>>): void {
    const warnings = result.events.filter((e) => e.event === 'warning').map((e) => e.message);
    expect(warnings, result.stderr).toEqual([
      expect.stringMatching(/the database is damaged \(SQLITE_NOTADB: .*\): moved it to /),
    ]);
    const aside = fs.readdirSync(ws.path('.runner')).filter((name) => /^cache\.sqlite\.corrupt-\d+T\d+Z$/.test(name));
    expect(aside).toHaveLength(1);
    expect(ws.read(`.runner/${aside[0]}`)).toBe('not a database\n');
  }

  it('hands a run with a task stage back untouched; the command that runs it repairs the store and warns once', async () => {
    const result = await damagedThenRun(WITH_TASK);
    expect(result.code, result.stderr).toBe(0);
    expect(outcomes(result.events), result.stderr).toEqual({ copy: 'ran', count: 'ran' });
    expect(runStart(result.events)?.daemon, result.stderr).toBeUndefined();
    expectRepairedOnce(result);
  });

  it('repairs the store and warns once in a run of shell stages it runs itself', async () => {
    const result = await damagedThenRun(SHELL_ONLY);
    expect(result.code, result.stderr).toBe(0);
    expect(outcomes(result.events), result.stderr).toEqual({ copy: 'ran' });
    expect(runStart(result.events)?.daemon, result.stderr).toBe(true);
    expectRepairedOnce(result);
  });
});
