// A run the daemon serves stats again only the files of a long input list
// that its watchers saw something happen to (src/daemon/watch-log.ts):
// run:end says how many files it vouched for instead. A touched file is
// stat'ed again, an edited one too (in the command's own process, where the
// daemon hands the run), and the results are the ones a run that stats
// every file gives; a run it hands back asks it what it vouches for, and
// stats no more. RUNNER_DAEMON_TRUST=0 turns it off.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDaemonInfo } from '../../src/daemon/paths.js';
import { DAEMON, daemonStarted, killDaemon, outcomes, runStart, startDaemon, waitFor, Workspace } from './rig.js';
import { countPipeline } from './many-files.js';
import { runEnd, vouchedNoop } from './vouching.js';

/** A long list (the stat pass's STAT_BESIDE_MIN files), in 32 directories. */
const FILES = 8192;
const PER_DIR = 256;

const PIPELINE = countPipeline(`      sum:
        run: work.mjs#sum
        needs: [count]
        outputs: [sum.txt]
`);

const WORK = `import fs from 'node:fs';
export function count(item, ctx) {
  const text = ctx.read(item, 'utf8');
  return { path: item.path, size: text.length, first: text[0] };
}
export async function sum(ctx) {
  let size = 0;
  let xs = 0;
  for await (const record of ctx.upstream('count')) {
    size += record.size;
    if (record.first === 'x') xs++;
  }
  fs.writeFileSync(ctx.workspace.resolve('sum.txt'), size + ' ' + xs);
}
`;

function workspace(): Workspace {
  // Thousands of files: on a tmpfs where there is one (8,192 took 8 s on this VM's disk).
  const ws = new Workspace('runner-vouch-', fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('work.mjs', WORK);
  for (let i = 0; i < FILES; i++) {
    const dir = `data/d${String(Math.floor(i / PER_DIR)).padStart(2, '0')}`;
    if (i % PER_DIR === 0) fs.mkdirSync(ws.path(dir), { recursive: true });
    fs.writeFileSync(ws.path(dir, `f${String(i).padStart(5, '0')}.txt`), 'ab\n');
  }
  return ws;
}

const CACHED = { count: 'cached', sum: 'cached' };

describe('the daemon vouches for files nothing happened to', { timeout: 120_000 }, () => {
  let ws: Workspace;
  let pid: number | undefined;
  afterEach(async () => {
    await killDaemon(pid);
    pid = undefined;
    ws.remove();
  });

  it('stats only the touched or edited files in the runs it serves, with the results of a run that stats them all', async () => {
    ws = workspace();
    pid = await startDaemon(ws, 'p');
    expect(await vouchedNoop(ws, CACHED)).toBe(FILES);

    // Touched (the same content): answered, that file stat'ed again.
    const touched = 'data/d03/f00800.txt';
    ws.write(touched, 'ab\n');
    const afterTouch = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(runStart(afterTouch.events)?.daemon).toBe(true);
    expect(outcomes(afterTouch.events)).toEqual({ count: 'cached', sum: 'cached' });
    expect(runEnd(afterTouch)?.filesVouched).toBe(FILES - 1);

    // Edited with the same size, its mtime put back: handed back, the command's own run asks the daemon what
    // it vouches for and stats that file alone.
    const edited = 'data/d05/f01300.txt';
    const before = fs.statSync(ws.path(edited));
    ws.write(edited, 'xy\n');
    fs.utimesSync(ws.path(edited), before.atime, before.mtime);
    const afterEdit = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(afterEdit.code, afterEdit.stderr).toBe(0);
    expect(runStart(afterEdit.events)?.handedBack).toBe('an input was edited since the last run');
    expect(outcomes(afterEdit.events)).toEqual({ count: 'ran', sum: 'ran' });
    expect(runEnd(afterEdit)?.filesVouched).toBe(FILES - 1);
    expect(ws.read('sum.txt')).toBe(`${3 * FILES} 1`);
    // Once that run is over the daemon rehearses it, stat'ing the edited file again: the next no-op vouches for all.
    await waitFor(() => readDaemonInfo(ws.path('.runner/daemon.json'))?.rehearsedAt, 30_000, 'the rehearsal');
    const next = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(runStart(next.events)?.daemon).toBe(true);
    expect(outcomes(next.events)).toEqual({ count: 'cached', sum: 'cached' });
    expect(runEnd(next)?.filesVouched).toBe(FILES);

    // A new file in a watched directory (no edit: the daemon held no hash for it): the daemon keys the new
    // list with a whole pass, finds that the map must run and hands the run back; the command's run builds on
    // that very pass, and its new item runs.
    ws.write('data/d07/new.txt', 'abcd\n');
    const added = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(added.code, added.stderr).toBe(0);
    expect(runStart(added.events)?.handedBack).toBe('a stage must run');
    expect(outcomes(added.events)).toEqual({ count: 'ran', sum: 'ran' });
    expect(runEnd(added)?.filesVouched).toBe(FILES + 1);
    expect(ws.read('sum.txt')).toBe(`${3 * FILES + 5} 1`);
  });

  it('vouches for a long list whose files the stat cache holds no entry of', async () => {
    ws = workspace();
    const cold = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(cold.code, cold.stderr).toBe(0);
    // The list's stats are kept beside the stat cache (the pass memo): with the cache gone, the daemon is told
    // of no directory of the list, and watches those of the passes it keeps.
    fs.rmSync(ws.path('.runner/stat-cache.bin'));
    fs.rmSync(ws.path('.runner/stat-cache.log'), { force: true });
    const first = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(outcomes(first.events)).toEqual({ count: 'cached', sum: 'cached' });
    pid = await daemonStarted(ws);
    expect(await vouchedNoop(ws, CACHED)).toBe(FILES);
    const touched = 'data/d30/f07700.txt';
    ws.write(touched, 'ab\n');
    const afterTouch = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
    expect(outcomes(afterTouch.events)).toEqual({ count: 'cached', sum: 'cached' });
    expect(runEnd(afterTouch)?.filesVouched).toBe(FILES - 1);
  });

  it('never vouches for a file with another hard link: an edit through that link, which no watched directory sees, reruns', async () => {
    ws = workspace();
    // The other link in a directory no list names, beside the workspace (a hard link stays on its filesystem).
    const elsewhere = fs.mkdtempSync(`${path.dirname(ws.dir)}/runner-vouch-link-`);
    try {
      const linked = 'data/d04/f01111.txt';
      const other = path.join(elsewhere, 'other-name.txt');
      fs.linkSync(ws.path(linked), other);
      pid = await startDaemon(ws, 'p');
      expect(await vouchedNoop(ws, CACHED)).toBe(FILES - 1);

      // Written in place through the other link (the same inode, the same size): no event in data/d04.
      fs.writeFileSync(other, 'xy\n');
      const afterEdit = await ws.run(['exec', 'p', '--json'], { env: DAEMON });
      expect(afterEdit.code, afterEdit.stderr).toBe(0);
      expect(outcomes(afterEdit.events)).toEqual({ count: 'ran', sum: 'ran' });
      expect(ws.read('sum.txt')).toBe(`${3 * FILES} 1`);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('stats every file with RUNNER_DAEMON_TRUST=0', async () => {
    ws = workspace();
    const env = { ...DAEMON, RUNNER_DAEMON_TRUST: '0' };
    const cold = await ws.run(['exec', 'p', '--json'], { env });
    expect(cold.code, cold.stderr).toBe(0);
    await ws.run(['exec', 'p', '--json'], { env });
    for (let turn = 0; turn < 3; turn++) {
      const noop = await ws.run(['exec', 'p', '--json'], { env });
      expect(outcomes(noop.events)).toEqual({ count: 'cached', sum: 'cached' });
      if (runStart(noop.events)?.daemon) pid = (JSON.parse(ws.read('.runner/daemon.json')) as { pid: number }).pid;
      expect(runEnd(noop)?.filesVouched).toBeUndefined();
    }
    expect(pid).toBeDefined();
  });
});
