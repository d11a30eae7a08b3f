// "Racy" entries: a hash (or listing) recorded within the timestamp
// resolution of the file's mtime is not trusted, because the file may have
// changed again in the same tick with the same size and mtime.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

// Whole-millisecond mtimes look like a coarse (1-2 s) filesystem: 2 s window.
const T = Date.UTC(2030, 0, 1, 12);

/** Rewrites a file in place with the same size and puts its mtime back: stat() cannot tell. */
function sneakyRewrite(root: string, relative: string, content: string, mtimeMs: number): void {
  fs.writeFileSync(path.join(root, relative), content);
  setMtime(root, relative, mtimeMs);
}

describe('StatCache racy entries', () => {
  it('re-hashes an entry recorded within the window, and catches a same-tick rewrite', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    setMtime(root, 'a.txt', T);
    const { time, now } = fakeClock(T + 500);
    const stats = new StatCache({ root, now });
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));

    sneakyRewrite(root, 'a.txt', 'bbbb', T);
    expect(stats.hash('a.txt')).toBe(sha256('bbbb'));
    expect(stats.counts).toMatchObject({ hashReads: 2, hashHits: 0 });

    // Recorded well after the mtime: now the stat is trusted.
    time.ms = T + 10_000;
    stats.hash('a.txt');
    expect(stats.hash('a.txt')).toBe(sha256('bbbb'));
    expect(stats.counts).toMatchObject({ hashReads: 3, hashHits: 1 });
  });

  it('trusts an entry recorded outside the window (the documented limit of stat-based caching)', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    setMtime(root, 'a.txt', T);
    const stats = new StatCache({ root, now: fakeClock(T + 10_000).now });
    stats.hash('a.txt');
    sneakyRewrite(root, 'a.txt', 'bbbb', T);
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));
  });

  it('uses a tiny window for sub-millisecond mtimes', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    const fine = T + 0.25;
    fs.utimesSync(path.join(root, 'a.txt'), fine / 1000, fine / 1000);
    const actual = fs.statSync(path.join(root, 'a.txt')).mtimeMs;
    expect(Number.isInteger(actual)).toBe(false);
    const { time, now } = fakeClock(actual + 1);
    const stats = new StatCache({ root, now });
    stats.hash('a.txt');
    stats.hash('a.txt');
    expect(stats.counts.hashReads).toBe(2); // 1 ms after the mtime: racy
    time.ms = actual + 100;
    stats.hash('a.txt');
    stats.hash('a.txt');
    expect(stats.counts).toMatchObject({ hashReads: 3, hashHits: 1 }); // 100 ms after: trusted
  });

  it('re-reads a directory listed within the window', () => {
    const root = tempDir();
    put(root, 'src/a.txt', 'a');
    setMtime(root, 'src', T);
    const { time, now } = fakeClock(T + 100);
    const stats = new StatCache({ root, now });
    stats.list('src');
    // A file added in the same tick, the directory mtime put back.
    put(root, 'src/b.txt', 'b');
    setMtime(root, 'src', T);
    expect(stats.list('src')?.names).toEqual(['a.txt', 'b.txt']);
    time.ms = T + 10_000;
    stats.list('src');
    stats.list('src');
    expect(stats.counts).toMatchObject({ dirReads: 3, dirHits: 1 });
  });
});
