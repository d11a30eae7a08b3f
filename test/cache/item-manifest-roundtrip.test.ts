// The item manifest blob: what goes in comes back out through typed views,
// blocks and raw results included; a blob that is not a manifest, or whose
// sections run past its end, is refused with what is wrong.
import { describe, expect, it } from 'vitest';
import { KEY_BYTES, KeyTable, keyOf } from '../../src/cache/item-keys.js';
import { ItemManifest, ItemManifestBuilder } from '../../src/cache/item-manifest.js';

function keysOf(names: string[]): Buffer {
  return Buffer.concat(names.map((name) => keyOf(name)));
}

describe('the item manifest', () => {
  it('gives back every entry, block and raw result it was built with', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `item ${i}`);
    const keys = keysOf(names);
    const builder = new ItemManifestBuilder();
    for (let i = 0; i < names.length; i++)
      builder.add(keys, i * KEY_BYTES, i * 10, 10, i % 3, i % 2 === 0 ? `{"r":${i}}` : undefined);
    builder.addBlock(keyOf('block a'), 0, 1000);
    builder.addBlock(keyOf('block b'), 1000, 2000);
    const manifest = ItemManifest.decode(builder.encode('d'.repeat(64)));

    expect(manifest.dataset).toBe('d'.repeat(64));
    expect(manifest.entries).toBe(3000);
    expect(manifest.outOffsets[2999]).toBe(29990);
    expect(manifest.outCounts[5]).toBe(2);
    expect(manifest.rawOf(4)).toBe('{"r":4}');
    expect(manifest.rawOf(5)).toBeUndefined();
    expect(manifest.keys.subarray(7 * KEY_BYTES, 8 * KEY_BYTES).equals(keyOf('item 7'))).toBe(true);
    expect([...manifest.blockRanges]).toEqual([0, 1000, 1000, 2000]);

    const table = new KeyTable(manifest.keys, manifest.entries);
    const probe = keysOf(['item 2999', 'item 0', 'not an item']);
    expect([0, 1, 2].map((i) => table.find(probe, i * KEY_BYTES))).toEqual([2999, 0, -1]);
  });

  it('copies a run of entries from another manifest as adding them one by one would, outputs shifted', () => {
    const names = Array.from({ length: 50 }, (_, i) => `item ${i}`);
    const keys = keysOf(names);
    const old = new ItemManifestBuilder();
    for (let i = 0; i < names.length; i++)
      old.add(keys, i * KEY_BYTES, i * 10, 10, 1, i % 3 === 0 ? `{"r":${i}}` : undefined);
    const from = ItemManifest.decode(old.encode('a'.repeat(64)));

    const bulk = new ItemManifestBuilder(4);
    const single = new ItemManifestBuilder();
    bulk.add(keys, 0, 0, 7, 1, '{"first":true}');
    single.add(keys, 0, 0, 7, 1, '{"first":true}');
    expect(bulk.addFrom(from, 10, 30, 1000 - 100)).toBe(1);
    for (let i = 10; i < 40; i++) single.add(keys, i * KEY_BYTES, 1000 + (i - 10) * 10, 10, 1, from.rawOf(i));
    const a = ItemManifest.decode(bulk.encode('b'.repeat(64)));
    const b = ItemManifest.decode(single.encode('b'.repeat(64)));
    expect(a.entries).toBe(31);
    expect(a.keys.equals(b.keys)).toBe(true);
    expect([...a.outOffsets]).toEqual([...b.outOffsets]);
    expect([...a.outLengths]).toEqual([...b.outLengths]);
    expect([...a.outCounts]).toEqual([...b.outCounts]);
    expect(Array.from({ length: 31 }, (_, i) => a.rawOf(i))).toEqual(Array.from({ length: 31 }, (_, i) => b.rawOf(i)));
    expect(a.rawOf(3)).toBe('{"r":12}');
  });

  it('finds the first of two entries with one key', () => {
    const keys = keysOf(['same', 'other', 'same']);
    const table = new KeyTable(keys, 3);
    expect(table.find(keyOf('same'), 0)).toBe(0);
  });

  it('refuses a blob that is not a manifest, and one cut short', () => {
    expect(() => ItemManifest.decode(Buffer.from('{"hello":1}\n'))).toThrow('not an item manifest');
    const builder = new ItemManifestBuilder();
    const keys = keysOf(['a', 'b']);
    builder.add(keys, 0, 0, 5, 1);
    builder.add(keys, KEY_BYTES, 5, 5, 1);
    const whole = builder.encode('d'.repeat(64));
    expect(() => ItemManifest.decode(whole.subarray(0, whole.length - 20))).toThrow(/runs past the end|wrong size/);
  });
});
