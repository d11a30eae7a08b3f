// statMany, the stat pass on two threads: the same answer as stat() on this
// thread for every path, a missing one, a symlink (followed) and a broken
// link included, whether the list is long enough for the worker or not. And
// the hash pass after it: the worker's hashes are hashFileSync's, every file
// asked for is answered exactly once, and one the worker cannot read is left
// to this thread; asked for in turns, the batches come in order, and the
// files the stat pass left unstated are stat'ed as they are read. Paths
// under a prefix are answered alike whether the pass runs from that
// directory (and stats them relative to it) or not. A worker started ahead
// (a spare) is taken by the first long pass, which it serves as a worker
// the pass starts would, and left by a short one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFileSync } from '../../src/cache/hash-file.js';
import { sha256 } from '../../src/util/hash.js';
import { HashColumn } from '../../src/cache/hash-column.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import {
  HASH_BESIDE_BATCH,
  HASH_BESIDE_MIN,
  STAT_BESIDE_BATCH,
  STAT_BESIDE_MIN,
  SpareStatWorker,
  StatPass,
  statMany,
  statPrefixFor,
} from '../../src/cache/stat-beside.js';
import { statAt, UNSTATED } from '../../src/cache/stat-rows.js';

let dir: string;
const files: string[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-beside-'));
  for (let d = 0; d < 10; d++) fs.mkdirSync(path.join(dir, `d${d}`));
  for (let i = 0; i < STAT_BESIDE_MIN + 1000; i++) {
    const file = path.join(dir, `d${i % 10}`, `f${i}.txt`);
    fs.writeFileSync(file, 'x'.repeat(i % 97));
    files.push(file);
  }
  // Larger than the worker's 1 MiB read buffer: hashed in several reads.
  fs.writeFileSync(files[7] as string, Buffer.alloc(2.5 * (1 << 20), 7));
  fs.symlinkSync(files[5] as string, path.join(dir, 'link'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'broken'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function expected(file: string): unknown {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st && { size: st.size, changedMs: st.ctimeMs, ino: st.ino, mode: st.mode };
}

function answers(list: string[], counts?: { byWorker: number; idle?: boolean }): unknown[] {
  const many = statMany(list, counts);
  return list.map((_, i) => statAt(many, i));
}

describe('statMany', () => {
  const odd = (): string[] => [path.join(dir, 'link'), path.join(dir, 'broken'), path.join(dir, 'missing'), dir];

  it('answers as stat() does for a list long enough for two threads', () => {
    const list = [...files.slice(0, 4000), ...odd(), ...files.slice(4000)];
    expect(list.length).toBeGreaterThanOrEqual(STAT_BESIDE_MIN);
    // Both threads at once: which does how much depends on when the worker starts.
    expect(answers(list, { byWorker: 0 })).toEqual(list.map(expected));
    // The worker alone, this thread only waiting: every batch is the worker's.
    const counts = { byWorker: 0, idle: true };
    const got = answers(list, counts);
    expect(got).toEqual(list.map(expected));
    expect(counts.byWorker).toBe(Math.ceil(list.length / STAT_BESIDE_BATCH));
    expect(got[4000]).toMatchObject({ size: 5 });
    expect(got.slice(4001, 4003)).toEqual([undefined, undefined]);
  });

  it('answers for paths under its prefix as for whole paths, run from that directory or from another', () => {
    const relative = [...files.slice(0, STAT_BESIDE_MIN), ...odd()].map((file) => path.relative(dir, file));
    const want = relative.map((file) => expected(path.join(dir, file)));
    const before = process.cwd();
    try {
      for (const from of [dir, os.tmpdir()]) {
        process.chdir(from);
        expect(statPrefixFor(`${dir}/`, relative)).toBe(`${dir}/`);
        expect(statPrefixFor(`${dir}/`, relative.slice(1, -1))).toBe(from === dir ? '' : `${dir}/`);
        for (const [list, answers] of [
          [relative, want],
          [relative.slice(0, -1), want.slice(0, -1)],
        ] as const)
          for (const idle of [false, true]) {
            const pass = new StatPass(list, { byWorker: 0, idle }, `${dir}/`);
            pass.end();
            expect(list.map((_, i) => statAt(pass.stats, i))).toEqual(answers);
          }
      }
    } finally {
      process.chdir(before);
    }
  });

  it('answers as stat() does for a short list, on this thread alone', () => {
    const list = [...files.slice(0, 50), ...odd()];
    const counts = { byWorker: -1 };
    expect(answers(list, counts)).toEqual(list.map(expected));
    expect(counts.byWorker).toBe(0);
  });
});

describe('StatPass.hashChanged', () => {
  /** Hashes `indices` of `list` after its stat pass: which thread answered each, and with what. */
  function hashPass(
    list: string[],
    indices: number[],
    counts: { byWorker: number; idle?: boolean },
    before?: () => void,
  ) {
    const pass = new StatPass(list, counts);
    const taken = new Map<number, string>();
    const here: number[] = [];
    try {
      before?.();
      pass.hashChanged(
        indices,
        (i) => here.push(i),
        (i, digest) => {
          expect(taken.has(i)).toBe(false);
          taken.set(i, Buffer.from(digest).toString('hex'));
        },
      );
    } finally {
      pass.end();
    }
    return { taken, here, counts };
  }

  it('hashes on the worker as hashFileSync does here, and leaves it a file it cannot read', () => {
    const list = files.map((file) => file);
    const gone = path.join(dir, 'gone.txt');
    fs.writeFileSync(gone, 'soon removed');
    list.push(gone);
    const all = list.map((_, i) => i);
    const { taken, here, counts } = hashPass(list, all, { byWorker: 0, idle: true }, () => fs.rmSync(gone));
    expect(here).toEqual([list.length - 1]);
    expect(taken.size).toBe(list.length - 1);
    for (const [i, hash] of taken) expect(hash, list[i]).toBe(hashFileSync(list[i] as string));
    expect(taken.get(7)).toBe(hashFileSync(files[7] as string));
    expect((counts as { hashedByWorker?: number }).hashedByWorker).toBe(Math.ceil(list.length / HASH_BESIDE_BATCH));
  });

  it('answers every file exactly once with both threads at it', () => {
    const indices = files.map((_, i) => i).filter((i) => i % 3 !== 0);
    const { taken, here } = hashPass(files, indices, { byWorker: 0 });
    expect([...taken.keys(), ...here].sort((a, b) => a - b)).toEqual(indices);
    for (const [i, hash] of taken) expect(hash).toBe(hashFileSync(files[i] as string));
  });

  it('hashes a few changed files here alone', () => {
    const indices = files.slice(0, HASH_BESIDE_MIN - 1).map((_, i) => i);
    const { taken, here } = hashPass(files, indices, { byWorker: 0 });
    expect(taken.size).toBe(0);
    expect(here).toEqual(indices);
  });
});

describe('StatPass.hashLater', () => {
  it('hands over batches in order, only as far as asked', () => {
    const pass = new StatPass(files, { byWorker: 0, idle: true });
    const taken: number[] = [];
    try {
      const all = files.map((_, i) => i);
      const turns = pass.hashLater(
        all,
        () => expect.unreachable(),
        (i) => taken.push(i),
      );
      turns.through(1);
      expect(taken).toEqual(all.slice(0, HASH_BESIDE_BATCH));
      expect(turns.answered).toBe(HASH_BESIDE_BATCH);
      turns.through(HASH_BESIDE_BATCH);
      expect(taken.length).toBe(HASH_BESIDE_BATCH);
      turns.through(3 * HASH_BESIDE_BATCH + 1);
      expect(taken).toEqual(all.slice(0, 4 * HASH_BESIDE_BATCH));
      turns.through(files.length);
      expect(taken).toEqual(all);
    } finally {
      pass.end();
    }
  });

  it('stats the files the stat pass left unstated as it reads them: a link followed, a missing one, a directory and a FIFO not files', () => {
    // A FIFO with no writer: opening it to read would wait for one.
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const odd = [
      path.join(dir, 'link'),
      path.join(dir, 'broken'),
      path.join(dir, 'missing'),
      path.join(dir, 'd0'),
      path.join(dir, 'fifo'),
    ];
    const list = [...files, ...odd];
    const unstated = list.map((_, i) => i).filter((i) => i % 2 === 1 || i >= files.length);
    const pass = new StatPass(list, { byWorker: 0, idle: true }, '', unstated);
    const taken = new Map<number, string>();
    try {
      for (const i of unstated) expect(statAt(pass.stats, i)?.size).toBe(UNSTATED);
      expect(statAt(pass.stats, 0)).toEqual(expected(list[0] as string));
      const turns = pass.hashLater(
        unstated,
        (i) => expect.unreachable(`${list[i]} left to this thread`),
        (i, digest) => taken.set(i, Buffer.from(digest).toString('hex')),
      );
      turns.through(unstated.length);
    } finally {
      pass.end();
    }
    const link = files.length;
    expect([...taken.keys()]).toEqual(unstated.filter((i) => i <= link));
    for (const [i, hash] of taken) {
      expect(hash).toBe(hashFileSync(list[i] as string));
      expect(statAt(pass.stats, i)).toEqual(expected(list[i] as string));
    }
    // Not files: their stats stay unstated, as no stat of them is a file's.
    for (const i of unstated.filter((i) => i > link)) expect(statAt(pass.stats, i)?.size).toBe(UNSTATED);
  });
});

describe('SpareStatWorker', () => {
  it('serves the first long pass, stat and hash passes both, and no later one', () => {
    const spare = SpareStatWorker.start();
    expect(spare).toBeDefined();
    // This thread only waits: a batch the spare did not do, this thread does after PATIENCE_MS.
    const counts = { byWorker: 0, idle: true };
    const list = files.map((file) => file);
    const pass = new StatPass(list, counts, '', undefined, spare);
    const taken = new Map<number, string>();
    try {
      expect(list.map((_, i) => statAt(pass.stats, i))).toEqual(list.map(expected));
      expect(counts.byWorker).toBe(Math.ceil(list.length / STAT_BESIDE_BATCH));
      // The pass started no worker of its own: the spare is the one that did every batch.
      expect(spare?.take()).toBeUndefined();
      pass.hashChanged(
        list.map((_, i) => i),
        () => expect.unreachable(),
        (i, digest) => taken.set(i, Buffer.from(digest).toString('hex')),
      );
    } finally {
      pass.end();
    }
    expect(taken.size).toBe(list.length);
    expect(taken.get(7)).toBe(hashFileSync(files[7] as string));
    expect((counts as { hashedByWorker?: number }).hashedByWorker).toBe(Math.ceil(list.length / HASH_BESIDE_BATCH));
  });

  it('is left by a pass too short for a worker, and ends when asked', async () => {
    const spare = SpareStatWorker.start();
    const list = files.slice(0, 100);
    const pass = new StatPass(list, { byWorker: 0 }, '', undefined, spare);
    pass.end();
    expect(list.map((_, i) => statAt(pass.stats, i))).toEqual(list.map(expected));
    const left = spare?.take();
    expect(left).toBeDefined();
    const exit = new Promise<number>((resolve) => left?.worker.once('exit', resolve));
    await left?.worker.terminate();
    await exit;
    const another = SpareStatWorker.start();
    await another?.end();
    expect(another?.take()).toBeUndefined();
  });
});

describe('StatCache.hashAll over many files', () => {
  it('hashes like hash(), file by file, on two threads, and remembers every hash', () => {
    const relative = files.map((file) => path.relative(dir, file));
    const asked = [...relative, 'missing.txt', 'd0', 'link'];
    const clock = { now: () => Date.now() + 3_600_000 };
    const plain = new StatCache({ root: dir, now: clock.now });
    const expected = asked.map((file) => plain.hash(file));
    const stats = new StatCache({ root: dir, now: clock.now });
    expect(stats.hashAll(asked)).toEqual(expected);
    expect(stats.counts.hashReads).toBe(files.length + 1);
    expect(stats.hashAll(asked)).toEqual(expected);
    expect(stats.counts).toMatchObject({ hashReads: files.length + 1, hashHits: files.length + 1 });
  });

  it('hashAllLater: answers the files it knows at once and reads the new ones as asked, as hashAll would', () => {
    const relative = files.map((file) => path.relative(dir, file));
    const asked = [...relative, 'missing.txt', 'd0', 'link', 'broken'];
    const clock = { now: () => Date.now() + 3_600_000 };
    const plain = new StatCache({ root: dir, now: clock.now });
    const expected = asked.map((file) => plain.hash(file));
    const stats = new StatCache({ root: dir, now: clock.now });
    stats.hash(relative[3] as string);
    const { hashes, later } = stats.hashAllLater(asked, 1024);
    if (!later) throw new Error('expected a pass read later');
    // A later pass answers in a column, each hash made when asked for.
    expect(hashes).toBeInstanceOf(HashColumn);
    expect(hashes.at(3)).toBe(expected[3]);
    expect(hashes.at(4)).toBeUndefined();
    later.through(5);
    expect(hashes.at(4)).toBe(expected[4]);
    later.through(asked.length);
    expect(later.isDone).toBe(true);
    expect(asked.map((_, i) => hashes.at(i))).toEqual(expected);
    // Every hash is remembered: the next pass reads nothing, and with nothing new there is nothing to read later.
    const reads = stats.counts.hashReads;
    const again = stats.hashAllLater(asked, 1024);
    expect(again.later).toBeUndefined();
    expect(again.hashes).toEqual(expected);
    expect(stats.counts.hashReads).toBe(reads);
  });
});

describe('StatCache.hashAll over many files, in the daemon', () => {
  it("reads a racy entry's file again in every pass of a kept cache, and answers each pass afresh", () => {
    const relative = files.map((file) => path.relative(dir, file));
    // A clock behind every mtime: every entry is racy, so every pass reads every file.
    const stats = new StatCache({ root: dir, now: () => 0, help: { kept: {} } });
    const first = stats.hashAll(relative);
    const second = stats.hashAll(relative);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(stats.counts.hashReads).toBe(2 * files.length);
  });

  it('takes the hashes the daemon made, reads the others on two threads, and asks to watch a list once', () => {
    const relative = files.map((file) => path.relative(dir, file));
    const asked = [...relative, 'missing.txt', 'd0', 'link'];
    const clock = { now: () => Date.now() + 3_600_000 };
    const plain = new StatCache({ root: dir, now: clock.now });
    const expected = asked.map((file) => plain.hash(file));
    // The daemon hashed every third file already (its answer is taken as it is: it vouches for this stat).
    const knownFor = (absolute: string): string | undefined =>
      files.indexOf(absolute) % 3 === 0 ? sha256(`known ${absolute}`) : undefined;
    const asks: string[] = [];
    const watched: string[][] = [];
    const help = {
      known: (absolute: string) => {
        asks.push(absolute);
        return knownFor(absolute);
      },
      watch: (list: () => readonly string[] | undefined) => {
        const dirs = list();
        if (dirs !== undefined) watched.push([...dirs].sort());
      },
      kept: {},
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stat-beside-state-')), 'stat-cache.bin');
    const stats = StatCache.forRun({ root: dir, file, now: clock.now, help });
    const got = stats.hashAll(asked);
    expect(got).toEqual(asked.map((file, i) => knownFor(path.join(dir, file)) ?? expected[i]));
    expect(stats.counts.hashReads).toBe(files.length + 1);
    stats.save();
    // The next run, the cache kept: nothing changed, so the daemon is not asked, and the list is not sent to watch again.
    asks.length = 0;
    expect(StatCache.forRun({ root: dir, file, now: clock.now, help })).toBe(stats);
    const hits = stats.hashAll(asked);
    expect(hits).toEqual(got);
    expect(stats.counts).toMatchObject({ hashReads: 0, hashHits: files.length + 1 });
    expect(asks).toEqual([]);
    stats.save();
    // Told once: each directory of the files the cache knows, once (d0-d9, and the workspace's own for `link`).
    const dirs = [dir, ...Array.from({ length: 10 }, (_, d) => path.join(dir, `d${d}`))].sort();
    expect(watched).toEqual([dirs]);
    // One file changed: only it is asked of the daemon, once; the same files, so not watched again.
    const changed = files[10] as string;
    fs.appendFileSync(changed, 'more');
    const after = stats.hashAll(asked);
    expect(after[10]).toBe(hashFileSync(changed));
    expect(asks).toEqual([changed]);
    stats.save();
    expect(watched).toEqual([dirs]);
    fs.writeFileSync(path.join(dir, 'extra.txt'), 'extra');
    stats.hash('extra.txt');
    // A file the cache did not know: a new list, whose directories it is told again.
    stats.save();
    expect(watched).toEqual([dirs, dirs]);
  });
});
