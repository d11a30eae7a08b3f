// The stat cache's loaded entries, found without a map of every path: by
// binary search, or walking forward for a sorted list (the order a run asks
// its long input lists in); entries out of order are dropped, not misread.
import { describe, expect, it } from 'vitest';
import { LoadedFiles } from '../../src/cache/loaded-files.js';
import type { FileColumns } from '../../src/cache/stat-cache-file.js';

function columns(paths: string[]): FileColumns {
  const n = paths.length;
  const nums = new Float64Array(3 * n);
  const hashes = Buffer.alloc(32 * n);
  paths.forEach((_, i) => {
    nums.set([i, 1000 + i, 5000 + i], 3 * i);
    hashes.writeUInt32BE(i, 32 * i);
  });
  return { paths, nums, hashes, racy: new Uint8Array(n) };
}

const paths = ['a', 'a.txt', 'a/b', 'b/c', 'b/d', 'z'];

describe('LoadedFiles', () => {
  it('finds each path by search, and none that is not there', () => {
    const loaded = new LoadedFiles(columns(paths));
    expect(paths.map((p) => loaded.indexOf(p))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(['', 'a/a', 'b', 'zz'].map((p) => loaded.indexOf(p))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('seeks a sorted list forward, and still finds a path asked out of order', () => {
    const loaded = new LoadedFiles(columns(paths));
    expect(['a.txt', 'a/a', 'b/d', 'y', 'z'].map((p) => loaded.seek(p))).toEqual([1, undefined, 4, undefined, 5]);
    expect(loaded.seek('a')).toBe(0);
    expect(loaded.seek('b/c')).toBe(3);
  });

  it('seeks a second sorted list after a first, a list that skips far ahead, and a path asked twice', () => {
    const many = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, '0')}`);
    const loaded = new LoadedFiles(columns(many));
    expect(many.map((p) => loaded.seek(p))).toEqual(many.map((_, i) => i));
    // A new list from the start (the next stage's): found, and then each in order again.
    expect(many.map((p) => loaded.seek(p))).toEqual(many.map((_, i) => i));
    const sparse = ['f003', 'f040', 'f041', 'f041', 'f090', 'f0905', 'f099', 'g'];
    expect(sparse.map((p) => loaded.seek(p))).toEqual([3, 40, 41, 41, 90, undefined, 99, undefined]);
  });

  it('gives a hash only for the stat it was loaded with, and none for a racy entry', () => {
    const cols = columns(paths);
    cols.racy[2] = 1;
    const loaded = new LoadedFiles(cols);
    expect(loaded.hashIf(1, 1, 1001, 5001)).toBe(`00000001${'0'.repeat(56)}`);
    expect(loaded.hashIf(1, 1, 1002, 5001)).toBeUndefined();
    expect(loaded.hashIf(2, 2, 1002, 5002)).toBeUndefined();
  });

  it('drops entries that are out of order (a hand-edited or foreign file): nothing is found, so everything is re-hashed', () => {
    const loaded = new LoadedFiles(columns(['b', 'a']));
    expect(loaded.indexOf('a')).toBeUndefined();
    expect(loaded.columns.paths).toEqual([]);
  });
});
