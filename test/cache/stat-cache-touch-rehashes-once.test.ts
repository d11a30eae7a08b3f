// `touch` without a content change costs one re-hash and keeps the hash.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);

describe('StatCache after touch', () => {
  it('re-reads a touched file once and gets the same hash', () => {
    const root = tempDir();
    put(root, 'a.txt', 'same content\n');
    setMtime(root, 'a.txt', T);
    const { time, now } = fakeClock(T + 3_600_000);
    const stats = new StatCache({ root, now });
    const before = stats.hash('a.txt');
    expect(stats.counts.hashReads).toBe(1);

    setMtime(root, 'a.txt', T + 60_000); // touch
    time.ms = T + 7_200_000;
    expect(stats.hash('a.txt')).toBe(before);
    expect(stats.counts.hashReads).toBe(2);
    expect(stats.hash('a.txt')).toBe(before);
    expect(stats.hash('a.txt')).toBe(before);
    expect(stats.counts.hashReads).toBe(2);
  });

  it('remembers the new mtime across a save and reload', () => {
    const root = tempDir();
    const file = path.join(root, '.runner', 'stat-cache.bin');
    put(root, 'a.txt', 'x');
    setMtime(root, 'a.txt', T);
    const { now } = fakeClock(T + 3_600_000);
    const first = new StatCache({ root, file, now });
    const hash = first.hash('a.txt');
    first.save();

    setMtime(root, 'a.txt', T + 1000);
    const second = new StatCache({ root, file, now });
    expect(second.hash('a.txt')).toBe(hash);
    expect(second.counts.hashReads).toBe(1);
    second.save();

    const third = new StatCache({ root, file, now });
    expect(third.hash('a.txt')).toBe(hash);
    expect(third.counts).toMatchObject({ hashReads: 0, hashHits: 1 });
  });
});
