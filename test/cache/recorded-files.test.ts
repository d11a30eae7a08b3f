// The entries a run records, as columns: what is set comes back for the same
// stat only, a racy entry never answers, recording a file again replaces its
// entry (whether it was recorded alone or by its place in a long list), and
// every entry leaves once, sorted, for the stat cache's merge.
import { describe, expect, it } from 'vitest';
import { LIST_MIN, mergeSorted, RecordedFiles } from '../../src/cache/recorded-files.js';
import type { FileColumns } from '../../src/cache/stat-cache-file.js';
import { emptyColumns, mergeColumns } from '../../src/cache/stat-cache-file.js';

const hashOf = (i: number): string => i.toString(16).padStart(64, '0');
const statOf = (i: number) => ({ size: i, changedMs: 1700000000000.5 + i, ino: 1000 + i });
const name = (i: number): string => `d/f${String(i).padStart(6, '0')}`;

/** The columns as [path, size, hash (last 4 hex digits), racy] rows. */
function rows(columns: FileColumns): [string, number, string, number][] {
  return columns.paths.map((path, k) => [
    path,
    columns.nums[3 * k] as number,
    columns.hashes.toString('hex', 32 * k, 32 * k + 32).slice(-4),
    columns.racy[k] as number,
  ]);
}

describe('RecordedFiles', () => {
  it('answers a hash for the stat it was recorded with, and only that one', () => {
    const recorded = new RecordedFiles();
    for (let i = 0; i < 1000; i++) recorded.set(`f${i}`, statOf(i), hashOf(i), i === 7);
    expect(recorded.size).toBe(1000);
    expect(recorded.hashFor('f999', statOf(999))).toBe(hashOf(999));
    expect(recorded.hashFor('f0', statOf(0))).toBe(hashOf(0));
    expect(recorded.hashFor('f5', { ...statOf(5), changedMs: 1 })).toBeNull();
    expect(recorded.hashFor('f7', statOf(7))).toBeNull();
    expect(recorded.hashFor('nope', statOf(1))).toBeUndefined();
    recorded.set('f5', statOf(6), hashOf(66), false);
    expect(recorded.size).toBe(1000);
    expect(recorded.hashFor('f5', statOf(6))).toBe(hashOf(66));
  });

  it("records a long sorted list's files by their place, and the last record of a file wins", () => {
    const files = Array.from({ length: LIST_MIN + 10 }, (_, i) => name(i));
    const recorded = new RecordedFiles();
    recorded.set(name(3), statOf(3), hashOf(3), false); // alone first, then by place: the place wins
    const list = recorded.listFor(files);
    expect(list).toBeDefined();
    expect(recorded.listFor(files)).toBe(list);
    if (!list) return;
    for (let i = 0; i < files.length; i += 2) recorded.setAt(list, i, statOf(i + 1), hashOf(i + 1), i === 4);
    recorded.set(name(6), statOf(60), hashOf(60), false); // by place first, then alone: alone wins
    // Every even row but 6 (recorded alone since), and 3 and 6 alone.
    expect(recorded.size).toBe(Math.ceil(files.length / 2) - 1 + 2);
    expect(recorded.has(name(0))).toBe(true);
    expect(recorded.has(name(1))).toBe(false);
    expect(recorded.hashFor(name(2), statOf(3))).toBe(hashOf(3));
    expect(recorded.hashFor(name(3), statOf(3))).toBe(hashOf(3)); // row 3 is not set: the single record stands
    expect(recorded.hashFor(name(4), statOf(5))).toBeNull(); // racy
    expect(recorded.hashFor(name(6), statOf(7))).toBeNull();
    expect(recorded.hashFor(name(6), statOf(60))).toBe(hashOf(60));
    const sorted = recorded.sorted();
    expect(sorted.paths).toEqual([...sorted.paths].sort());
    expect(new Set(sorted.paths).size).toBe(sorted.paths.length);
    expect(rows(sorted).slice(0, 5)).toEqual([
      [name(0), 1, hashOf(1).slice(-4), 0],
      [name(2), 3, hashOf(3).slice(-4), 0],
      [name(3), 3, hashOf(3).slice(-4), 0],
      [name(4), 5, hashOf(5).slice(-4), 1],
      [name(6), 60, hashOf(60).slice(-4), 0],
    ]);
    // A file recorded alone, then by its place: the place's record replaces it.
    recorded.setAt(list, 3, statOf(33), hashOf(33), false);
    expect(recorded.hashFor(name(3), statOf(33))).toBe(hashOf(33));
    expect(recorded.sorted().paths.filter((p) => p === name(3))).toHaveLength(1);
  });

  it('a short or unsorted list is recorded file by file', () => {
    const recorded = new RecordedFiles();
    expect(recorded.listFor(['a', 'b'])).toBeUndefined();
    const unsorted = Array.from({ length: LIST_MIN + 1 }, (_, i) => name(LIST_MIN - i));
    expect(recorded.listFor(unsorted)).toBeUndefined();
  });

  it('merges into the loaded columns: in place when every file was listed, else new sorted columns', () => {
    const loaded = new RecordedFiles();
    for (let i = 0; i < 200; i += 2) loaded.set(name(i), statOf(i), hashOf(i), false);
    const old = loaded.sorted();
    const indexOf = (file: string): number | undefined => {
      const at = old.paths.indexOf(file);
      return at === -1 ? undefined : at;
    };
    const edit = new RecordedFiles();
    edit.set(name(10), statOf(1000), hashOf(1000), false);
    expect(mergeColumns(old, indexOf, edit.sorted())).toBe(old);
    expect(rows(old)[5]).toEqual([name(10), 1000, hashOf(1000).slice(-4), 0]);
    const many = new RecordedFiles(); // more than a few, all listed: one walk, still in place
    for (let i = 0; i < 200; i += 2) many.set(name(i), statOf(i + 5), hashOf(i + 5), false);
    expect(mergeColumns(old, indexOf, many.sorted())).toBe(old);
    expect(rows(old)[99]).toEqual([name(198), 203, hashOf(203).slice(-4), 0]);
    const added = new RecordedFiles();
    added.set(name(11), statOf(11), hashOf(11), true);
    added.set(name(12), statOf(12), hashOf(12), false);
    const merged = mergeColumns(old, indexOf, added.sorted());
    expect(merged).not.toBe(old);
    expect(merged.paths).toHaveLength(101);
    expect(rows(merged).slice(5, 8)).toEqual([
      [name(10), 15, hashOf(15).slice(-4), 0],
      [name(11), 11, hashOf(11).slice(-4), 1],
      [name(12), 12, hashOf(12).slice(-4), 0],
    ]);
    expect(mergeSorted(emptyColumns(), merged)).toBe(merged);
  });
});

describe('mergeSorted', () => {
  /** Columns of the given file numbers (sorted), each row's size and hash telling which side it came from. */
  function columnsOf(numbers: readonly number[], side: number): FileColumns {
    const out = {
      paths: numbers.map(name),
      nums: new Float64Array(3 * numbers.length),
      hashes: Buffer.alloc(32 * numbers.length),
      racy: new Uint8Array(numbers.length),
    };
    numbers.forEach((n, k) => {
      out.nums.set([side * 1_000_000 + n, n + 0.5, n], 3 * k);
      out.hashes.write(hashOf(side * 1_000_000 + n), 32 * k, 'hex');
      out.racy[k] = (n + side) % 3 === 0 ? 1 : 0;
    });
    return out;
  }

  it('gives every file once in path order, from over when both hold it, whatever the runs on each side', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Runs from one row to thousands on each side, files in both, one side far shorter than the other.
    for (const [size, pUnder, pOver] of [
      [5000, 0.9, 0.01],
      [5000, 0.01, 0.9],
      [5000, 0.5, 0.5],
      [200, 0.3, 0.3],
      [3000, 0.999, 0.001],
    ] as const) {
      const under: number[] = [];
      const over: number[] = [];
      for (let n = 0; n < size; n++) {
        if (random() < pUnder) under.push(n);
        if (random() < pOver) over.push(n);
      }
      const merged = mergeSorted(columnsOf(under, 1), columnsOf(over, 2));
      const expected = [...new Set([...under, ...over])]
        .sort((x, y) => x - y)
        .map((n) => rows(columnsOf([n], over.includes(n) ? 2 : 1)));
      expect(rows(merged)).toEqual(expected.flat());
      expect([...merged.nums].filter((_, k) => k % 3 === 1)).toEqual(
        expected.flat().map(([path]) => Number(path.slice(3)) + 0.5),
      );
    }
  });
});
