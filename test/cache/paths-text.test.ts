// A long list's paths as one text, made once: the walk that finds them,
// the glob memo that keeps them, the list's identity and the stat pass's
// worker, which is sent them, all read the same text. A list read back from
// a glob memo comes with the memo's own lines, which the worker is sent as
// they are (split at newlines, not NULs), and answers as for the list
// joined anew. And a walk that has found STAT_BESIDE_MIN files starts the
// long pass's worker while it goes on, when none was started with the run
// (a first run's stat cache holds no file to tell it); the pass takes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expandGlobs } from '../../src/cache/glob.js';
import { listIdentity, pathsText } from '../../src/cache/list-identity.js';
import { SpareStatWorker, STAT_BESIDE_BATCH, STAT_BESIDE_MIN, StatPass } from '../../src/cache/stat-beside.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { defaultStoreUrl } from '../../src/cache/store.js';
import { Resources } from '../../src/engine/resources.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, tempDir } from './helpers.js';

/** A workspace of `n` files in ten directories, and its .runner (`dir`: kept past the test). */
function workspace(n: number, dir = tempDir()): string {
  const root = dir;
  for (let d = 0; d < 10; d++) fs.mkdirSync(path.join(root, 'data', `d${d}`), { recursive: true });
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, 'data', `d${i % 10}`, `f${i}.txt`), 'x'.repeat(i % 13));
  fs.mkdirSync(path.join(root, '.runner'));
  return root;
}

let root: string;
beforeAll(() => {
  root = workspace(STAT_BESIDE_MIN + 10, fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paths-text-'))));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A stat cache as a new run has it (its clock past every mtime here, so no directory is too recent to memoise). */
function statsOf(dir: string, spare?: SpareStatWorker, startSpare?: () => SpareStatWorker | undefined): StatCache {
  const { now } = fakeClock(Date.now() + 3_600_000);
  return new StatCache({
    root: dir,
    file: path.join(dir, '.runner', 'stat-cache.bin'),
    now,
    ...(spare ? { spare } : {}),
    ...(startSpare ? { startSpare } : {}),
  });
}

describe("a list's paths as one text", () => {
  it('is joined by NULs once for a walked list, which its identity and the glob memo read', () => {
    const files = expandGlobs(statsOf(root), ['data/**/*.txt']);
    expect(files).toHaveLength(STAT_BESIDE_MIN + 10);
    const text = pathsText(files);
    expect(text).toEqual({ text: files.join('\0'), separator: '\0' });
    expect(pathsText(files)).toBe(text);
    expect(listIdentity(files)).toBe(sha256(files.join('\0')));
    // The memo keeps one name a line, as before.
    const memo = path.join(root, '.runner', 'globs', fs.readdirSync(path.join(root, '.runner', 'globs'))[0] as string);
    expect(fs.readFileSync(memo, 'latin1').endsWith(`\n${files.join('\n')}`)).toBe(true);
  });

  it("is the glob memo's lines for a list read back from it, which the stat pass's worker answers as the list joined anew", () => {
    const walked = expandGlobs(statsOf(root), ['data/**/*.txt']);
    const read = expandGlobs(statsOf(root), ['data/**/*.txt']);
    expect(read).toEqual(walked);
    expect(pathsText(read)).toEqual({ text: walked.join('\n'), separator: '\n' });
    expect(listIdentity(read)).toBe(sha256(walked.join('\0')));
    // This thread takes no batch: the worker stats them all, or fails and leaves them all to it.
    const counts = { byWorker: 0, idle: true };
    const fromMemo = new StatPass(read, counts, `${root}/`);
    const anew = new StatPass([...read], undefined, `${root}/`);
    try {
      expect(counts.byWorker).toBe(Math.ceil(read.length / STAT_BESIDE_BATCH));
      expect(Array.from(fromMemo.stats)).toEqual(Array.from(anew.stats));
      // Every file stat'ed as a regular file of its size.
      for (let i = 0; i < read.length; i++)
        expect(fromMemo.stats[4 * i]).toBe(fs.statSync(path.join(root, read[i] as string)).size);
    } finally {
      fromMemo.end();
      anew.end();
    }
  });
});

describe('the stat pass worker started by a walk', () => {
  it('starts once a walk has found enough files for a long pass, and the pass takes it', () => {
    const started: SpareStatWorker[] = [];
    const stats = statsOf(root, undefined, () => {
      const spare = SpareStatWorker.start();
      if (spare) started.push(spare);
      return spare;
    });
    fs.rmSync(path.join(root, '.runner', 'globs'), { recursive: true, force: true });
    const files = expandGlobs(stats, ['data/**/*.txt']);
    expect(started).toHaveLength(1);
    const take = vi.spyOn(started[0] as SpareStatWorker, 'take');
    const { later } = stats.hashAllLater(files, 1);
    later?.through(files.length);
    later?.end();
    expect(take).toHaveBeenCalledTimes(1);
    expect(take.mock.results[0]?.value).toBeDefined();
  });

  it('does not start for a walk of fewer files, nor for one a worker was started ahead for', async () => {
    /** How many times a walk of `dir`'s files asked for a worker. */
    const startsAsked = (dir: string, ahead?: SpareStatWorker): number => {
      let starts = 0;
      fs.rmSync(path.join(dir, '.runner', 'globs'), { recursive: true, force: true });
      expandGlobs(
        statsOf(dir, ahead, () => {
          starts++;
          return undefined;
        }),
        ['data/**/*.txt'],
      );
      return starts;
    };
    expect(startsAsked(workspace(STAT_BESIDE_MIN - 1))).toBe(0);
    expect(startsAsked(root)).toBe(1);
    const ahead = SpareStatWorker.start();
    expect(startsAsked(root, ahead)).toBe(0);
    await ahead?.end();
  });

  it('is started by a run that may stat many files, and not by one that has none to stat', async () => {
    for (const mayStatMany of [true, false]) {
      fs.rmSync(path.join(root, '.runner', 'globs'), { recursive: true, force: true });
      const start = vi.spyOn(SpareStatWorker, 'start');
      const res = new Resources({
        root,
        storeUrl: defaultStoreUrl(path.join(root, '.runner')),
        emit: () => {},
        mayStatMany,
      });
      expandGlobs(res.stats, ['data/**/*.txt']);
      await res.close();
      expect(start).toHaveBeenCalledTimes(mayStatMany ? 1 : 0);
      start.mockRestore();
    }
  });
});
