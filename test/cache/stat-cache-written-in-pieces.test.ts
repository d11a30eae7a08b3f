// The stat cache file is written a piece at a time (writeStatCache: the
// paths and the listings as text in pieces, the header last) and is byte for
// byte the one encoding gives whole (encodeStatCache, what a log frame
// holds), and decodes back to what was written: with paths past a piece's
// count, non-ASCII and odd names, listings whose names look like numbers,
// and nothing at all. A search of the file (its column of where each path
// ends) finds each path at its row.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeStatCache, writeStatCache } from '../../src/cache/stat-cache-file.js';
import { decodeStatCache, StatCacheImage } from '../../src/cache/stat-cache-image.js';
import type { DirEntry, StatCacheData } from '../../src/cache/stat-cache-file.js';
import { writeFileAtomic } from '../../src/util/fs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function data(n: number): StatCacheData {
  const paths = Array.from({ length: n }, (_, i) =>
    i % 97 === 0
      ? `data/ünï/ç${i} with space.txt`
      : i % 89 === 0
        ? `data/"q\\uote"/${i}.txt`
        : `data/d${String(i).padStart(7, '0')}.txt`,
  ).sort();
  const nums = new Float64Array(3 * n).map((_, k) => k * 1.5 + 0.25);
  const hashes = Buffer.alloc(32 * n);
  for (let k = 0; k < hashes.length; k++) hashes[k] = (k * 31) & 0xff;
  const racy = new Uint8Array(n).map((_, k) => (k % 3 === 0 ? 1 : 0));
  const listing = (names: string[]): DirEntry => [
    1_700_000_000_123.5,
    42,
    names,
    'f'.repeat(names.length),
    1_700_000_000_999,
  ];
  return {
    files: { paths, nums, hashes, racy },
    dirs: { '12': listing(['1', '2']), data: listing(['ünï', 'a "b"', '\u2028']), '': listing([]) },
    derived: { 'imports:abc': ['./x.js', 'node:fs'] },
  };
}

function written(value: StatCacheData): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-stat-cache-'));
  dirs.push(dir);
  const file = path.join(dir, 'stat-cache.bin');
  writeFileAtomic(file, (fd) => writeStatCache(fd, value));
  return fs.readFileSync(file);
}

describe('the stat cache file written in pieces', () => {
  it.each([0, 1, 4096, 10_000])('is the whole encoding of %i entries', (n) => {
    const value = data(n);
    const bytes = written(value);
    expect(bytes.equals(encodeStatCache(value))).toBe(true);
    const back = decodeStatCache(bytes);
    if (!('data' in back)) throw new Error(`not decoded: ${JSON.stringify(back)}`);
    expect(back.data.files.paths).toEqual(value.files.paths);
    expect(Array.from(back.data.files.nums.subarray(0, 3 * n))).toEqual(Array.from(value.files.nums));
    expect(Buffer.from(back.data.files.hashes.subarray(0, 32 * n)).equals(value.files.hashes)).toBe(true);
    expect(Array.from(back.data.files.racy.subarray(0, n))).toEqual(Array.from(value.files.racy));
    expect(back.data.dirs).toEqual(value.dirs);
    expect(back.data.derived).toEqual(value.derived);
    // Where each path ends, written a piece at a time too: a search finds every path at its row.
    const image = new StatCacheImage(bytes);
    const rows = value.files.paths.map((_, i) => i).filter((i) => i % 7 === 0 || i === n - 1);
    expect(rows.map((i) => image.find(value.files.paths[i] as string))).toEqual(rows);
  });

  it('with no listings and no derived lists', () => {
    const value = { ...data(3), dirs: {}, derived: {} };
    expect(written(value).equals(encodeStatCache(value))).toBe(true);
  });
});
