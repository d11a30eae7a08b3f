// The daemon's watch log vouches for the files of a long list that nothing
// happened to since a pass it kept: after every kind of change below, a
// stat pass built on what it vouches for must find exactly what a pass that
// stats every file finds, and it must stat again only the changed files
// (or all of them, when it cannot vouch). No waiting between a change and
// the next barrier: the barrier is what makes a change made just before it
// seen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STAT_BESIDE_MIN, StatPass } from '../../src/cache/stat-beside.js';
import { statAt } from '../../src/cache/stat-rows.js';
import { WatchLog } from '../../src/daemon/watch-log.js';

// tmpfs where there is one (a filesystem the log vouches on): making 8,192 files on a VM's disk took 8 s here.
const TMP = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const DIRS = 32;
const PER_DIR = STAT_BESIDE_MIN / DIRS;

let root: string;
let files: string[];
let log: WatchLog;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(TMP, 'runner-watch-log-'));
  files = [];
  for (let d = 0; d < DIRS; d++) {
    fs.mkdirSync(path.join(root, 'data', `d${d}`), { recursive: true });
    for (let f = 0; f < PER_DIR; f++) {
      const file = `data/d${d}/f${String(f).padStart(4, '0')}.txt`;
      fs.writeFileSync(path.join(root, file), `file ${file}\n`);
      files.push(file);
    }
  }
  files.sort();
  log = new WatchLog(root, path.join(root, '.runner'), {});
});

afterEach(() => {
  log.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Every directory of the list's files, as the daemon is told them (the log watches those above them too). */
const fileDirs = (): string[] => [...new Set(files.map((file) => path.join(root, path.dirname(file))))];

/** A stat pass of every file, on two threads. */
const fullStats = (): Float64Array => {
  const pass = new StatPass(files, undefined, `${root}/`);
  pass.end();
  return pass.stats;
};

/**
 * A run's pass, after a barrier: built on what the log vouches for (the
 * stale files, or undefined for a whole pass), checked against a whole
 * pass, and kept for the next.
 */
const served = async (): Promise<readonly number[] | undefined> => {
  await log.barrier();
  const changes = log.changes();
  if (changes === undefined) throw new Error('the log cannot vouch on this filesystem');
  const basis = changes.since(files);
  const pass = new StatPass(files, undefined, `${root}/`, undefined, undefined, basis);
  pass.end();
  const full = fullStats();
  // A missing file is a NaN size, its other fields whatever they were: compared as statAt reads them.
  const differing = files.filter((_, i) => JSON.stringify(statAt(pass.stats, i)) !== JSON.stringify(statAt(full, i)));
  expect(differing).toEqual([]);
  changes.keep(files, pass.stats, pass.links);
  return basis?.stale;
};

const at = (file: string): string => path.join(root, file);
const indexOf = (file: string): number => files.indexOf(file);

describe('WatchLog', () => {
  it('vouches for what nothing happened to, and never for a change made just before the run', async () => {
    log.watch(fileDirs());
    // Nothing kept yet: a whole pass.
    expect(await served()).toBeUndefined();
    // Kept after the watches began: nothing stale.
    expect(await served()).toEqual([]);
    expect(await served()).toEqual([]);

    // An edit, and a same-size rewrite whose mtime is put back.
    const edited = 'data/d1/f0003.txt';
    const putBack = 'data/d2/f0007.txt';
    fs.appendFileSync(at(edited), 'more\n');
    const before = fs.statSync(at(putBack));
    fs.writeFileSync(at(putBack), fs.readFileSync(at(putBack), 'utf8').toUpperCase());
    fs.utimesSync(at(putBack), before.atime, before.mtime);
    expect(await served()).toEqual([indexOf(edited), indexOf(putBack)].sort((a, b) => a - b));
    expect(await served()).toEqual([]);

    // Deleted and made again (another inode), renamed over.
    const remade = 'data/d3/f0001.txt';
    fs.rmSync(at(remade));
    fs.writeFileSync(at(remade), 'made again\n');
    const renamedOver = 'data/d4/f0002.txt';
    fs.writeFileSync(at('data/d4/tmp'), 'renamed over it\n');
    fs.renameSync(at('data/d4/tmp'), at(renamedOver));
    expect(await served()).toEqual([indexOf(remade), indexOf(renamedOver)].sort((a, b) => a - b));

    // A file gone: stat'ed again, found missing, as a whole pass finds it.
    const gone = 'data/d5/f0005.txt';
    fs.rmSync(at(gone));
    expect(await served()).toEqual([indexOf(gone)]);
    fs.writeFileSync(at(gone), 'back\n');
    expect(await served()).toEqual([indexOf(gone)]);

    // The barrier's directory removed: that run's barrier fails, so it and the next stat every file; then the barrier is made anew.
    fs.rmSync(path.join(root, '.runner', 'daemon-barrier'), { recursive: true });
    expect(await served()).toBeUndefined();
    expect(await served()).toBeUndefined();
    expect(await served()).toEqual([]);
  });

  it('watches the directories of a list it keeps, though it was told of none of them', async () => {
    // A long list's stats are kept beside the stat cache's entries, so the daemon need not know its directories.
    expect(await served()).toBeUndefined();
    // Watched from this run's barrier on: a watch begun after the pass kept cannot vouch for it.
    expect(await served()).toBeUndefined();
    expect(await served()).toEqual([]);
    const edited = 'data/d9/f0004.txt';
    fs.appendFileSync(at(edited), 'more\n');
    expect(await served()).toEqual([indexOf(edited)]);
    // A directory the list gains is watched too: another list, a whole pass, then its files stat'ed until a
    // pass kept after its watch began.
    fs.mkdirSync(at('data/e0'));
    fs.writeFileSync(at('data/e0/new.txt'), 'new\n');
    files = [...files, 'data/e0/new.txt'].sort();
    expect(await served()).toBeUndefined();
    expect(await served()).toEqual([indexOf('data/e0/new.txt')]);
    expect(await served()).toEqual([]);
    fs.appendFileSync(at('data/e0/new.txt'), 'edited\n');
    expect(await served()).toEqual([indexOf('data/e0/new.txt')]);
  });

  it('stats again every file of a directory renamed away and replaced, though the new one was never watched', async () => {
    log.watch(fileDirs());
    await served();
    await served();
    // The new d6 holds the same names with other content; its files' events go to no watch.
    fs.renameSync(at('data/d6'), at('data/d6-old'));
    fs.cpSync(at('data/d6-old'), at('data/d6'), { recursive: true });
    fs.writeFileSync(at('data/d6/f0000.txt'), 'changed in the new directory\n');
    const d6 = files.map((file, i) => (file.startsWith('data/d6/') ? i : -1)).filter((i) => i >= 0);
    expect(await served()).toEqual(d6);
    // Watched again at the next barrier: the old watch closed, whose queued events are dropped unseen, so that pass is whole.
    fs.writeFileSync(at('data/d6/f0001.txt'), 'changed again\n');
    expect(await served()).toBeUndefined();
    // From then on, the new directory's changes are seen.
    fs.writeFileSync(at('data/d6/f0002.txt'), 'changed in the watched new directory\n');
    expect(await served()).toEqual([indexOf('data/d6/f0002.txt')]);

    // A directory above them all renamed away and put back: everything under it.
    fs.renameSync(at('data'), at('data-away'));
    fs.renameSync(at('data-away'), at('data'));
    expect(await served()).toBeUndefined();
  });

  it('always stats a symbolic link again, whose target may change where nothing watches', async () => {
    const outside = fs.mkdtempSync(path.join(TMP, 'runner-watch-log-target-'));
    try {
      const link = 'data/d0/f0000.txt';
      fs.writeFileSync(path.join(outside, 'target.txt'), 'target\n');
      fs.rmSync(at(link));
      fs.symlinkSync(path.join(outside, 'target.txt'), at(link));
      log.watch(fileDirs());
      await served();
      expect(await served()).toEqual([indexOf(link)]);
      fs.appendFileSync(path.join(outside, 'target.txt'), 'changed outside\n');
      expect(await served()).toEqual([indexOf(link)]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('vouches for nothing after inotify may have dropped events (a queue that overflowed), until a new pass', async () => {
    log.watch(fileDirs());
    await served();
    expect(await served()).toEqual([]);
    // The event loop is held while more events queue than inotify keeps, all of them in the workspace's
    // own directory (watched, as every directory above the files is) and none of the list's files: the
    // kernel drops the rest, the event of the list's one change after them among them, and Node says nothing of it.
    const queued = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    const unseen = 'data/d7/f0255.txt';
    // Two events a file: made, then written.
    for (let i = 0; i <= queued / 2; i++) fs.writeFileSync(path.join(root, `other-${i}`), 'x');
    fs.appendFileSync(at(unseen), 'changed after the queue overflowed\n');
    // One turn of the event loop: Node reads the queue out (the barrier's own event would be dropped while it is full).
    await new Promise((resolve) => setImmediate(resolve));
    expect(await served()).toBeUndefined();
    // The pass after it was a whole one: from it on, events are trusted again.
    expect(await served()).toEqual([]);
  });

  it('watches a directory removed and made again anew, though it may come back with the same inode number', async () => {
    // On the disk's filesystem (ext4 hands a freed inode number out again at once; tmpfs does not):
    // a small tree of its own, 200 files and a directory of two.
    const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-watch-log-disk-'));
    const diskLog = new WatchLog(disk, path.join(disk, '.runner'), {});
    try {
      const small: string[] = [];
      const put = (file: string, text: string): void => {
        fs.mkdirSync(path.dirname(path.join(disk, file)), { recursive: true });
        fs.writeFileSync(path.join(disk, file), text);
      };
      for (let i = 0; i < 200; i++) small.push(`a/f${String(i).padStart(3, '0')}.txt`);
      small.push('b/x.txt', 'b/y.txt');
      for (const file of small) put(file, `${file}\n`);
      diskLog.watch([path.join(disk, 'a'), path.join(disk, 'b')]);
      const pass = async (): Promise<readonly number[] | undefined> => {
        await diskLog.barrier();
        const changes = diskLog.changes() as NonNullable<ReturnType<WatchLog['changes']>>;
        const basis = changes.since(small);
        const vouched = new StatPass(small, undefined, `${disk}/`, undefined, undefined, basis);
        const whole = new StatPass(small, undefined, `${disk}/`);
        const differing = small.filter(
          (_, i) => JSON.stringify(statAt(vouched.stats, i)) !== JSON.stringify(statAt(whole.stats, i)),
        );
        expect(differing).toEqual([]);
        changes.keep(small, vouched.stats, vouched.links);
        return basis?.stale;
      };
      await pass();
      expect(await pass()).toEqual([]);
      // b removed and made again with the same files: its old watch is gone with it (here, on ext4, the new b
      // has the old one's inode number: the identity check alone would take the dead watch for a live one).
      fs.rmSync(path.join(disk, 'b'), { recursive: true });
      put('b/x.txt', 'b/x.txt\n');
      put('b/y.txt', 'b/y.txt\n');
      const b = [200, 201];
      expect(await pass()).toEqual(b);
      // Watched again at that barrier (the pass after it is whole), then an edit in it is seen.
      expect(await pass()).toBeUndefined();
      fs.appendFileSync(path.join(disk, 'b/y.txt'), 'edited in the directory made again\n');
      expect(await pass()).toEqual([201]);
    } finally {
      diskLog.close();
      fs.rmSync(disk, { recursive: true, force: true });
    }
  });

  it('vouches for nothing when turned off (RUNNER_DAEMON_TRUST=0)', async () => {
    const off = new WatchLog(root, path.join(root, '.runner'), { RUNNER_DAEMON_TRUST: '0' });
    expect(off.isUsable).toBe(false);
    expect(off.changes()).toBeUndefined();
    off.close();
  });
});
