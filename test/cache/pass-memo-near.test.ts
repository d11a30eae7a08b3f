// A stat pass near the stage's pass memo: every row whose stats differ from
// the memo's in any bit is named (the first row and the last, both sides of
// a block's edge, neighbours, any of the four numbers), a missing file's NaN
// equals itself, and past `most` rows the memo is not near. A row missed
// here would keep its old line in the list, and its old key.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMemoFor, keepListHash, keptListHash, keptListNear, readAnyPassMemo } from '../../src/cache/pass-memo.js';
import { FIELDS } from '../../src/cache/stat-rows.js';
import { sha256 } from '../../src/util/hash.js';
import { tempDir } from './helpers.js';

const N = 3000;
const FILES = Array.from({ length: N }, (_, i) => `data/f${String(i).padStart(5, '0')}.txt`);

/** Stats as a pass gives them: size, mtimeMs, ino, mode per file; file 17 missing (NaN size). */
function statsOfPass(): Float64Array {
  const stats = new Float64Array(FIELDS * N);
  for (let i = 0; i < N; i++) stats.set([100 + (i % 7), 1.7e12 + i * 0.5, 5000 + i, 0o100644], FIELDS * i);
  stats[FIELDS * 17] = Number.NaN;
  return stats;
}

function memoOf(stats: Float64Array): ReturnType<typeof readAnyPassMemo> {
  const file = path.join(tempDir(), 'memo.bin');
  const bytes = Buffer.from(FILES.map((f) => `${f} ${sha256(f)}\n`).join(''));
  keepListHash(file, FILES, stats, { bytes, hash: sha256(bytes) });
  const memo = readAnyPassMemo(file);
  return memo !== undefined && isMemoFor(memo, FILES) ? memo : undefined;
}

describe('a pass near its memo', () => {
  it('names every row that differs, wherever it lies and whichever number differs', () => {
    const memo = memoOf(statsOfPass());
    if (!memo) throw new Error('no memo');
    const now = statsOfPass();
    expect(keptListHash(memo, now)).toBe(memo.head.inputs);
    expect(keptListNear(memo, now, N)).toBeUndefined();

    const edits: [row: number, field: number][] = [
      [0, 0],
      [1, 1],
      [2, 2],
      [1023, 3],
      [1024, 1],
      [1025, 0],
      [2047, 2],
      [2048, 1],
      [2999, 0],
    ];
    for (const [row, field] of edits) now[FIELDS * row + field] = (now[FIELDS * row + field] as number) + 0.25;
    expect(keptListHash(memo, now)).toBeUndefined();
    const near = keptListNear(memo, now, N);
    expect(near?.changed).toEqual(edits.map(([row]) => row));
    expect(near?.hash).toBe(memo.head.inputs);
    expect(keptListNear(memo, now, edits.length)).toBeDefined();
    expect(keptListNear(memo, now, edits.length - 1)).toBeUndefined();
  });

  it('names a file gone since (its size NaN now) and one come back', () => {
    const memo = memoOf(statsOfPass());
    if (!memo) throw new Error('no memo');
    const now = statsOfPass();
    now[FIELDS * 1500] = Number.NaN;
    now[FIELDS * 17] = 12;
    expect(keptListNear(memo, now, N)?.changed).toEqual([17, 1500]);
  });

  it("is read again once rewritten, in the same process (the daemon keeps each stage's last one read)", () => {
    const file = path.join(tempDir(), 'memo.bin');
    const bytes = Buffer.from(FILES.map((f) => `${f} ${sha256(f)}\n`).join(''));
    const before = statsOfPass();
    keepListHash(file, FILES, before, { bytes, hash: sha256(bytes) });
    const first = readAnyPassMemo(file);
    expect(first && keptListHash(first, before)).toBe(sha256(bytes));
    expect(readAnyPassMemo(file)).toBe(first);
    // Another stage's memo read in between (a daemon's run over two long lists): each is kept.
    const other = path.join(tempDir(), 'memo.bin');
    keepListHash(other, FILES, before, { bytes, hash: sha256(bytes) });
    const otherFirst = readAnyPassMemo(other);
    expect(readAnyPassMemo(file)).toBe(first);
    expect(readAnyPassMemo(other)).toBe(otherFirst);
    // The same list, one file's stats and the list hash changed: a file exactly as long as before.
    const after = statsOfPass();
    after[FIELDS * 5 + 1] = (after[FIELDS * 5 + 1] as number) + 1;
    const longer = Buffer.from(`${bytes.toString()}x`);
    keepListHash(file, FILES, after, { bytes: longer, hash: sha256(longer) });
    const second = readAnyPassMemo(file);
    expect(second).not.toBe(first);
    expect(second && keptListHash(second, after)).toBe(sha256(longer));
    expect(second && keptListHash(second, before)).toBeUndefined();
  });
});
