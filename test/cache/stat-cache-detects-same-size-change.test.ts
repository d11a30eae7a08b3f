// A content change that keeps the size is still a change: the mtime (or the
// inode, for a file replaced by rename) gives it away.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);

describe('StatCache and same-size edits', () => {
  it('detects a rewrite of the same size with a new mtime', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    setMtime(root, 'a.txt', T);
    const { now } = fakeClock(T + 3_600_000);
    const stats = new StatCache({ root, now });
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));

    put(root, 'a.txt', 'bbbb');
    setMtime(root, 'a.txt', T + 1);
    expect(stats.hash('a.txt')).toBe(sha256('bbbb'));
  });

  it('detects a file replaced by rename (new inode) with the same size and mtime', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    setMtime(root, 'a.txt', T);
    const { now } = fakeClock(T + 3_600_000);
    const stats = new StatCache({ root, now });
    expect(stats.hash('a.txt')).toBe(sha256('aaaa'));

    put(root, 'a.txt.new', 'cccc');
    setMtime(root, 'a.txt.new', T);
    fs.renameSync(path.join(root, 'a.txt.new'), path.join(root, 'a.txt'));
    expect(stats.hash('a.txt')).toBe(sha256('cccc'));
  });

  it('detects a size change even when the mtime is put back', () => {
    const root = tempDir();
    put(root, 'a.txt', 'aaaa');
    setMtime(root, 'a.txt', T);
    const { now } = fakeClock(T + 3_600_000);
    const stats = new StatCache({ root, now });
    stats.hash('a.txt');
    fs.appendFileSync(path.join(root, 'a.txt'), 'more');
    setMtime(root, 'a.txt', T);
    expect(stats.hash('a.txt')).toBe(sha256('aaaamore'));
  });
});
