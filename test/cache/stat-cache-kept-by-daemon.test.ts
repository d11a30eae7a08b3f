// The daemon keeps a run's stat cache for the next run (StatCache.forRun),
// as long as its file on disk is the one it loaded or saved last.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);

function workspace(): { root: string; file: string; now: () => number } {
  const root = tempDir();
  put(root, 'a.txt', 'a\n');
  setMtime(root, 'a.txt', T);
  return { root, file: path.join(root, '.runner', 'stat-cache.json'), now: fakeClock(T + 3_600_000).now };
}

describe('StatCache.forRun', () => {
  it('hands the next run the kept cache, its counts reset, while the file is unchanged', () => {
    const { root, file, now } = workspace();
    const help = { kept: {} };
    const first = StatCache.forRun({ root, file, now, help });
    first.hash('a.txt');
    first.save();
    expect(first.counts.hashReads).toBe(1);
    const second = StatCache.forRun({ root, file, now, help });
    expect(second).toBe(first);
    expect(second.counts).toEqual({ hashHits: 0, hashReads: 0, dirHits: 0, dirReads: 0 });
    second.hash('a.txt');
    expect(second.counts.hashHits).toBe(1);
  });

  it('reads the file again once another process rewrote it', () => {
    const { root, file, now } = workspace();
    const help = { kept: {} };
    const first = StatCache.forRun({ root, file, now, help });
    first.hash('a.txt');
    first.save();
    // A run in a process of its own saves its own cache (atomically: a new file).
    const other = new StatCache({ root, file, now });
    put(root, 'b.txt', 'b\n');
    setMtime(root, 'b.txt', T);
    other.hash('b.txt');
    other.save();
    const second = StatCache.forRun({ root, file, now, help });
    expect(second).not.toBe(first);
    second.hash('b.txt');
    expect(second.counts).toMatchObject({ hashHits: 1, hashReads: 0 });
  });

  it('reads the file again when it was deleted, and makes a new cache each run without a keeper', () => {
    const { root, file, now } = workspace();
    const help = { kept: {} };
    const first = StatCache.forRun({ root, file, now, help });
    first.hash('a.txt');
    first.save();
    fs.rmSync(file);
    expect(StatCache.forRun({ root, file, now, help })).not.toBe(first);
    expect(StatCache.forRun({ root, file, now })).not.toBe(StatCache.forRun({ root, file, now }));
  });
});
