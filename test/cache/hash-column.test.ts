// A cold pass's hashes in a column (32 bytes a file): each hash as hex only
// when asked, the same list text and the same fileHash answers as the
// strings they replace, and nothing but a sha256 taken in.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashColumn } from '../../src/cache/hash-column.js';
import { fileHash, ListText } from '../../src/cache/list-text.js';

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('HashColumn', () => {
  const files = ['a.txt', 'b.txt', 'c\nd.txt', 'e.txt'];
  const hashes = [hashOf('a'), undefined, hashOf('c'), hashOf('e')];

  it('answers each hash as the strings did, undefined where there is none, and takes a digest as its bytes', () => {
    const column = new HashColumn(files.length);
    expect(files.map((_, i) => column.at(i))).toEqual([undefined, undefined, undefined, undefined]);
    column.set(0, hashes[0]);
    column.set(2, Buffer.from(hashes[2] as string, 'hex'));
    column.set(3, hashes[3]);
    expect(files.map((_, i) => column.at(i))).toEqual(hashes);
    expect(files.map((_, i) => column.isSet(i))).toEqual([true, false, true, true]);
    expect(files.map((_, i) => fileHash(column, i))).toEqual(files.map((_, i) => fileHash(hashes, i)));
    column.set(0, undefined);
    expect(column.at(0)).toBeUndefined();
  });

  it('makes the same list text as the strings, missing files and a path written as JSON included', () => {
    const fromStrings = ListText.of(files, hashes);
    const fromColumn = ListText.of(files, HashColumn.of(hashes));
    expect(fromColumn.bytes.toString()).toBe(fromStrings.bytes.toString());
    expect(fromColumn.hash).toBe(fromStrings.hash);
    expect(fromColumn.bytes.toString()).toContain(`missing b.txt\n${hashes[2]} "c\\nd.txt"\n`);
  });

  it('refuses what is not a sha256: a short hex, a non-hex string, a digest of another length', () => {
    const column = new HashColumn(1);
    expect(() => column.set(0, 'abc123')).toThrow(/not a sha256/);
    expect(() => column.set(0, `${'z'.repeat(64)}`)).toThrow(/not a sha256/);
    expect(() => column.set(0, `${hashOf('x')}00`)).toThrow(/not a sha256/);
    expect(() => column.set(0, new Uint8Array(20))).toThrow(/20 bytes/);
    expect(column.at(0)).toBeUndefined();
  });
});
