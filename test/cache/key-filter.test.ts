// KeyFilter, asked before an item store builds its table of every entry:
// a key among the entries is never answered absent, whether the keys lie
// on a 4-byte boundary or not; most keys that are not among them are.
import { describe, expect, it } from 'vitest';
import { KEY_BYTES, KeyFilter, keyOf } from '../../src/cache/item-keys.js';

const keysOf = (names: string[]): Buffer => Buffer.concat(names.map((name) => keyOf(name)));
const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix} ${i}`);

describe('KeyFilter', () => {
  it('answers every key among the entries present, and all but a few others absent', () => {
    const present = keysOf(names('item', 20_000));
    const filter = new KeyFilter(present, 20_000);
    for (let i = 0; i < 20_000; i++) expect(filter.mayHave(present, i * KEY_BYTES)).toBe(true);

    const absent = keysOf(names('other', 20_000));
    let answeredPresent = 0;
    for (let i = 0; i < 20_000; i++) if (filter.mayHave(absent, i * KEY_BYTES)) answeredPresent++;
    // Two bits a key in 16 a key: about 1.4% of absent keys answered present.
    expect(answeredPresent).toBeLessThan(600);
  });

  it('reads keys at an odd offset as it reads aligned ones', () => {
    const aligned = keysOf(names('item', 3_000));
    const odd = Buffer.alloc(aligned.length + 3);
    aligned.copy(odd, 3);
    const unaligned = odd.subarray(3);
    expect(unaligned.byteOffset % 4).not.toBe(0);
    const fromAligned = new KeyFilter(aligned, 3_000);
    const fromUnaligned = new KeyFilter(unaligned, 3_000);
    const asked = keysOf([...names('item', 3_000), ...names('other', 3_000)]);
    for (let i = 0; i < 6_000; i++) {
      expect(fromUnaligned.mayHave(asked, i * KEY_BYTES)).toBe(fromAligned.mayHave(asked, i * KEY_BYTES));
      if (i < 3_000) expect(fromUnaligned.mayHave(asked, i * KEY_BYTES)).toBe(true);
    }
  });

  it('answers absent for every key when it holds none', () => {
    const filter = new KeyFilter(Buffer.alloc(0), 0);
    const asked = keysOf(names('item', 100));
    for (let i = 0; i < 100; i++) expect(filter.mayHave(asked, i * KEY_BYTES)).toBe(false);
  });
});
