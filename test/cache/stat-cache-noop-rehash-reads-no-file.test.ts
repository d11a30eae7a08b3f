// A no-op rerun reads no file content: hashes come from the persisted stat
// cache while (size, mtime, inode) are unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);

afterEach(() => {
  vi.restoreAllMocks();
});

function workspace(count: number): { root: string; files: string[] } {
  const root = tempDir();
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const relative = `src/f${String(i).padStart(3, '0')}.txt`;
    put(root, relative, `content ${i}\n`);
    setMtime(root, relative, T);
    files.push(relative);
  }
  return { root, files };
}

describe('StatCache: a no-op rehash', () => {
  it('reads every file once, then none in a new process that loads the saved cache', () => {
    const { root, files } = workspace(50);
    const file = path.join(root, '.runner', 'stat-cache.bin');
    const { now } = fakeClock(T + 3_600_000);

    const first = new StatCache({ root, file, now });
    const hashes = files.map((f) => first.hash(f));
    expect(first.counts.hashReads).toBe(50);
    expect(hashes).toEqual(files.map((f) => sha256(fs.readFileSync(path.join(root, f)))));
    first.save();

    const second = new StatCache({ root, file, now });
    const openSync = vi.spyOn(fs, 'openSync');
    const readFileSync = vi.spyOn(fs, 'readFileSync');
    expect(files.map((f) => second.hash(f))).toEqual(hashes);
    expect(second.counts).toMatchObject({ hashReads: 0, hashHits: 50 });
    expect(openSync).not.toHaveBeenCalled();
    expect(readFileSync).not.toHaveBeenCalled();
  });

  it('within one instance, asking again is a hit', () => {
    const { root, files } = workspace(3);
    const stats = new StatCache({ root, now: fakeClock(T + 3_600_000).now });
    for (const f of files) stats.hash(f);
    for (const f of files) stats.hash(f);
    expect(stats.counts).toMatchObject({ hashReads: 3, hashHits: 3 });
  });

  it('save() writes nothing when nothing changed', () => {
    const { root, files } = workspace(2);
    const file = path.join(root, '.runner', 'stat-cache.bin');
    const { now } = fakeClock(T + 3_600_000);
    const first = new StatCache({ root, file, now });
    for (const f of files) first.hash(f);
    first.save();
    const before = fs.statSync(file).mtimeMs;
    setMtime(root, '.runner/stat-cache.bin', T);

    const second = new StatCache({ root, file, now });
    for (const f of files) second.hash(f);
    second.save();
    expect(fs.statSync(file).mtimeMs).toBe(T);
    expect(before).not.toBe(T);
  });

  it('a missing file or a directory has no hash', () => {
    const { root } = workspace(1);
    const stats = new StatCache({ root, now: fakeClock(T + 3_600_000).now });
    expect(stats.hash('src/nope.txt')).toBeUndefined();
    expect(stats.hash('src')).toBeUndefined();
    expect(stats.counts.hashReads).toBe(0);
  });
});
