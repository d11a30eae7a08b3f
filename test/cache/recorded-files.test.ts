// The entries a run records, as columns: what is set comes back for the same
// stat only, a racy entry never answers, recording a file again replaces its
// entry, and every entry survives the columns growing past their first size.
import { describe, expect, it } from 'vitest';
import { RecordedFiles } from '../../src/cache/recorded-files.js';
import { emptyColumns } from '../../src/cache/stat-cache-file.js';

const hashOf = (i: number): string => i.toString(16).padStart(64, '0');
const statOf = (i: number) => ({ size: i, mtimeMs: 1700000000000.5 + i, ino: 1000 + i });

describe('RecordedFiles', () => {
  it('answers a hash for the stat it was recorded with, and only that one', () => {
    const recorded = new RecordedFiles();
    for (let i = 0; i < 1000; i++) recorded.set(`f${i}`, statOf(i), hashOf(i), i === 7);
    expect(recorded.size).toBe(1000);
    expect(recorded.hashFor('f999', statOf(999))).toBe(hashOf(999));
    expect(recorded.hashFor('f0', statOf(0))).toBe(hashOf(0));
    expect(recorded.hashFor('f5', { ...statOf(5), mtimeMs: 1 })).toBeNull();
    expect(recorded.hashFor('f7', statOf(7))).toBeNull();
    expect(recorded.hashFor('nope', statOf(1))).toBeUndefined();
    recorded.set('f5', statOf(6), hashOf(66), false);
    expect(recorded.size).toBe(1000);
    expect(recorded.hashFor('f5', statOf(6))).toBe(hashOf(66));
  });

  it('copies an entry into a row of the columns the stat cache saves', () => {
    const recorded = new RecordedFiles();
    recorded.set('a', statOf(3), hashOf(3), true);
    const columns = emptyColumns();
    columns.nums = new Float64Array(6);
    columns.hashes = Buffer.alloc(64);
    columns.racy = new Uint8Array(2);
    expect(recorded.copyTo('a', columns, 1)).toBe(true);
    expect(recorded.copyTo('b', columns, 0)).toBe(false);
    expect([...columns.nums.subarray(3)]).toEqual([3, 1700000000003.5, 1003]);
    expect(columns.hashes.toString('hex', 32)).toBe(hashOf(3));
    expect([...columns.racy]).toEqual([0, 1]);
  });
});
