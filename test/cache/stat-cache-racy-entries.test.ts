// The stat cache compares a file's size, ctime and inode: a same-size
// rewrite whose mtime was put back (touch -d, cp -p, rsync --inplace -t) is
// still seen, since the kernel sets the ctime and nothing sets it back. And
// "racy" entries: a hash (or listing) recorded within the timestamp
// resolution of the file's ctime is not trusted, because the file may have
// changed again in the same tick with the same size and ctime.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRacy, StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);
/** An mtime long past, which `touch -d` or `tar` could give back. */
const PAST = Date.UTC(2020, 0, 1, 12);

/** Rewrites a file in place with the same size and puts its mtime back: only its ctime tells. */
function sneakyRewrite(root: string, relative: string, content: string, mtimeMs: number): void {
  fs.writeFileSync(path.join(root, relative), content);
  setMtime(root, relative, mtimeMs);
}

const changedOf = (root: string, relative: string): number => fs.statSync(path.join(root, relative)).ctimeMs;

describe('StatCache change times', () => {
  it('sees a same-size rewrite whose mtime was put back, however long after it was hashed', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    setMtime(root, 'a.txt', PAST);
    const stats = new StatCache({ root, now: () => changedOf(root, 'a.txt') + 3_600_000 });
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));
    expect(stats.counts).toMatchObject({ hashReads: 1, hashHits: 1 });

    sneakyRewrite(root, 'a.txt', 'bbbb', PAST);
    expect(fs.statSync(path.join(root, 'a.txt')).mtimeMs).toBe(PAST);
    expect(stats.hash('a.txt')).toBe(sha256('bbbb'));
    expect(stats.counts).toMatchObject({ hashReads: 2, hashHits: 1 });
  });

  it('sees a file added to a directory whose mtime was put back', () => {
    const root = tempDir();
    put(root, 'src/a.txt', 'a');
    setMtime(root, 'src', PAST);
    const stats = new StatCache({ root, now: () => changedOf(root, 'src') + 3_600_000 });
    expect(stats.list('src')?.names).toEqual(['a.txt']);
    put(root, 'src/b.txt', 'b');
    setMtime(root, 'src', PAST);
    expect(stats.list('src')?.names).toEqual(['a.txt', 'b.txt']);
  });
});

describe('StatCache racy entries', () => {
  it('re-hashes an entry recorded within the window, and trusts one recorded after it', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    const changed = changedOf(root, 'a.txt');
    const { time, now } = fakeClock(changed + 1);
    const stats = new StatCache({ root, now });
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));
    expect(stats.counts).toMatchObject({ hashReads: 2, hashHits: 0 });

    // Recorded well after the change: now the stat is trusted.
    time.ms = changed + 10_000;
    stats.hash('a.txt');
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));
    expect(stats.counts).toMatchObject({ hashReads: 3, hashHits: 1 });
  });

  it('judges a hash by when its read began, not when it ended', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    const changed = changedOf(root, 'a.txt');
    // Within the window while nothing is read; long after it once a read has begun (a slow read, a busy machine).
    let stats: StatCache | undefined;
    const now = (): number => changed + ((stats?.counts.hashReads ?? 0) === 0 ? 1 : 10_000);
    stats = new StatCache({ root, now });
    stats.hash('a.txt');
    stats.hash('a.txt');
    // Begun within the window: racy, so read again (judged as it ended, the first read would be trusted).
    expect(stats.counts).toMatchObject({ hashReads: 2, hashHits: 0 });
    stats.hash('a.txt');
    expect(stats.counts).toMatchObject({ hashReads: 2, hashHits: 1 });
  });

  it('uses a tiny window for sub-millisecond times, two seconds for whole ones (a coarse filesystem)', () => {
    const fine = T + 0.25;
    expect([isRacy(fine, fine + 1), isRacy(fine, fine + 100)]).toEqual([true, false]);
    expect([isRacy(T, T + 1_500), isRacy(T, T + 2_500)]).toEqual([true, false]);
  });

  it('re-reads a directory listed within the window', () => {
    const root = tempDir();
    put(root, 'src/a.txt', 'a');
    const changed = changedOf(root, 'src');
    const { time, now } = fakeClock(changed + 1);
    const stats = new StatCache({ root, now });
    stats.list('src');
    stats.list('src');
    expect(stats.counts).toMatchObject({ dirReads: 2, dirHits: 0 });
    time.ms = changed + 10_000;
    stats.list('src');
    stats.list('src');
    expect(stats.counts).toMatchObject({ dirReads: 3, dirHits: 1 });
  });
});
