// Directory listings are reused while the directory's mtime (and inode) is
// unchanged, and read again once an entry is added, removed or renamed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, tempDir } from './helpers.js';

function setup(): { root: string; now: () => number; time: { ms: number } } {
  const root = tempDir();
  put(root, 'src/a.txt', 'a');
  put(root, 'src/b.txt', 'b');
  fs.mkdirSync(path.join(root, 'src/sub'));
  // Real mtimes of entries added later are "now"; keep the clock past them.
  const { time, now } = fakeClock(Date.now() + 3_600_000);
  return { root, now, time };
}

describe('StatCache directory listings', () => {
  it('lists names sorted with their kinds, and reuses the listing while the directory is unchanged', () => {
    const { root, now } = setup();
    const stats = new StatCache({ root, now });
    const { ctimeMs: changedMs, ino } = fs.statSync(path.join(root, 'src'));
    expect(stats.list('src')).toEqual({ names: ['a.txt', 'b.txt', 'sub'], kinds: 'ffd', changedMs, ino });
    expect(stats.list('src')).toEqual({ names: ['a.txt', 'b.txt', 'sub'], kinds: 'ffd', changedMs, ino });
    expect(stats.counts).toMatchObject({ dirReads: 1, dirHits: 1 });
  });

  it('reads the directory again after a file is added, and sees it', () => {
    const { root, now } = setup();
    const stats = new StatCache({ root, now });
    stats.list('src');
    put(root, 'src/c.txt', 'c');
    expect(stats.list('src')?.names).toEqual(['a.txt', 'b.txt', 'c.txt', 'sub']);
    expect(stats.counts.dirReads).toBe(2);
    stats.list('src');
    expect(stats.counts).toMatchObject({ dirReads: 2, dirHits: 1 });
  });

  it('reads the directory again after a file is removed or renamed', () => {
    const { root, now } = setup();
    const stats = new StatCache({ root, now });
    stats.list('src');
    fs.rmSync(path.join(root, 'src/a.txt'));
    expect(stats.list('src')?.names).toEqual(['b.txt', 'sub']);
    fs.renameSync(path.join(root, 'src/b.txt'), path.join(root, 'src/z.txt'));
    expect(stats.list('src')?.names).toEqual(['sub', 'z.txt']);
    expect(stats.counts.dirReads).toBe(3);
  });

  it('keeps listings across a save and reload', () => {
    const { root, now } = setup();
    const file = path.join(root, '.runner', 'stat-cache.bin');
    const first = new StatCache({ root, file, now });
    first.list('src');
    first.save();
    const second = new StatCache({ root, file, now });
    expect(second.list('src')?.names).toEqual(['a.txt', 'b.txt', 'sub']);
    expect(second.counts).toMatchObject({ dirReads: 0, dirHits: 1 });
  });

  it('a file or a missing path is not a directory', () => {
    const { root, now } = setup();
    const stats = new StatCache({ root, now });
    expect(stats.list('src/a.txt')).toBeUndefined();
    expect(stats.list('nope')).toBeUndefined();
  });
});
