// A stat pass over a list with files added or removed since the stage's
// pass memo was kept: the memo's list is aligned with the new one by path
// (odd paths too: non-ASCII, written as JSON), every file added and every
// file whose stats differ in any bit is made anew, and the text made from
// the memo's is byte for byte the text the whole new list gives, with the
// places that differ named in both. Past `most` differences, or with a text
// that is not the memo's, nothing is taken from the memo.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputsText } from '../../src/cache/fingerprint.js';
import { alignedInputsBytes } from '../../src/cache/list-patch.js';
import { inputLine } from '../../src/cache/list-text.js';
import { keepListHash, keptListAligned, readAnyPassMemo } from '../../src/cache/pass-memo.js';
import { FIELDS } from '../../src/cache/stat-rows.js';
import { sha256 } from '../../src/util/hash.js';
import { tempDir } from './helpers.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** The memo's files: odd paths and 3,000 plain ones, sorted as a stage's list is. */
const BEFORE = ['dir/ü é/ñ.md', 'emoji/🎉.ts', 'line\nbreak.txt', '"quoted".txt', 'sp ace'];
for (let i = 0; i < 3000; i++) BEFORE.push(`data/d${i % 7}/f${String(i).padStart(4, '0')}.txt`);
BEFORE.sort();

/** One file's stats as a pass gives them (size, mtimeMs, ino, mode), from a number of its own. */
const statOf = (n: number): number[] => [100 + (n % 7), 1.7e12 + n * 0.5, 5000 + n, 0o100644];

function statsOf(files: readonly string[], numberOf: (file: string) => number): Float64Array {
  const stats = new Float64Array(FIELDS * files.length);
  for (const [i, file] of files.entries()) stats.set(statOf(numberOf(file)), FIELDS * i);
  return stats;
}

const number = (file: string): number => BEFORE.indexOf(file);
/** Some files missing (a `missing` line, shorter than a hash's: the alignment finds both kinds' paths). */
const hashOf = (file: string): string => (number(file) % 97 === 5 ? 'missing' : hex(number(file)));

/** A memo kept for BEFORE, its text the list of each file with hashOf. */
function keptMemo(): string {
  const file = path.join(tempDir(), 'memo.bin');
  const bytes = Buffer.from(inputsText(BEFORE.map((f) => [f, hashOf(f)])));
  keepListHash(file, BEFORE, statsOf(BEFORE, number), { bytes, hash: sha256(bytes) });
  return file;
}

describe('a pass memo aligned with a list that gained and lost files', () => {
  // Gone: the first file, one of the odd ones, two neighbours in the middle and the last. Added: before the
  // first, between neighbours, an odd one and after the last. Changed (another stat): two files.
  const gone = [BEFORE[0], 'emoji/🎉.ts', BEFORE[1500], BEFORE[1501], BEFORE.at(-1)] as string[];
  const added = ['0first.txt', `${BEFORE[1700]}-new`, 'dir/ü é/ñ2.md', 'zz/last.txt'];
  const changed = [BEFORE[10], BEFORE[2999]] as string[];
  const after = [...BEFORE.filter((f) => !gone.includes(f)), ...added].sort();
  const afterStats = statsOf(after, (f) =>
    added.includes(f) ? 90_000 + added.indexOf(f) : changed.includes(f) ? 80_000 + number(f) : number(f),
  );
  const newHash = (f: string): string =>
    added.includes(f) || changed.includes(f) ? hex(7_000_000 + f.length) : hashOf(f);

  it('makes anew exactly the files added and changed, and the text the whole new list gives', () => {
    const memo = readAnyPassMemo(keptMemo());
    const aligned = memo && keptListAligned(memo, after, afterStats, 100);
    expect(aligned).toBeDefined();
    if (!aligned) return;
    expect(aligned.fresh.map((i) => after[i])).toEqual(after.filter((f) => added.includes(f) || changed.includes(f)));
    for (const [i, file] of after.entries())
      expect(aligned.from[i]).toBe(added.includes(file) ? -1 : BEFORE.indexOf(file));

    const lineOf = (i: number): Buffer => Buffer.from(inputLine(after[i] as string, newHash(after[i] as string)));
    const made = alignedInputsBytes(aligned.text, aligned.starts, aligned.from, aligned.fresh, lineOf);
    const whole = Buffer.from(inputsText(after.map((f) => [f, newHash(f)])));
    expect(made?.bytes.equals(whole)).toBe(true);
    if (!made) return;
    // The places named: between them the two texts agree, and the old bytes of each are the ones replaced.
    let oldAt = 0;
    let newAt = 0;
    const old: Buffer[] = [];
    for (const [oldFrom, oldTo, newFrom, newTo] of made.spans) {
      expect(aligned.text.subarray(oldAt, oldFrom).equals(whole.subarray(newAt, newFrom))).toBe(true);
      old.push(aligned.text.subarray(oldFrom, oldTo));
      [oldAt, newAt] = [oldTo, newTo];
    }
    expect(aligned.text.subarray(oldAt).equals(whole.subarray(newAt))).toBe(true);
    expect(Buffer.concat(old).equals(made.replaced)).toBe(true);
    // Next to each other, files gone and added are one place: the first gone and 0first.txt added after it,
    // ñ2.md added before the emoji gone, the last gone and zz/last.txt added; then the two neighbours
    // gone, the file added in the middle and the two changed: seven places.
    expect(made.spans).toHaveLength(7);
  });

  it('takes nothing past `most` differences, nor from a text that is not the memo list', () => {
    const file = keptMemo();
    const memo = readAnyPassMemo(file);
    if (!memo) throw new Error('no memo');
    // Nine files added or gone and two changed: eleven.
    expect(keptListAligned(memo, after, afterStats, 11)).toBeDefined();
    expect(keptListAligned(memo, after, afterStats, 10)).toBeUndefined();
    const text = file.replace(/\.bin$/, '.list');
    const damaged = fs.readFileSync(text);
    damaged[200] = damaged[200] === 0x61 ? 0x62 : 0x61;
    fs.writeFileSync(text, damaged);
    expect(keptListAligned(memo, after, afterStats, 100)).toBeUndefined();
  });
});
