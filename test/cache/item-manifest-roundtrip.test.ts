// The item manifest blob: what goes in comes back out through typed views,
// blocks and raw results included (these in a chunked dataset of their own,
// or, in a manifest of format 1, in a raw section); a blob that is not a
// manifest, or whose sections run past its end, is refused with what is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkList, ChunkReader, datasetChunks } from '../../src/cache/dataset-chunks.js';
import { KEY_BYTES, KeyTable, keyOf } from '../../src/cache/item-keys.js';
import { ItemManifest, ItemManifestBuilder } from '../../src/cache/item-manifest.js';
import { ObjectStore } from '../../src/cache/object-store.js';
import { OldRaws, RawsWriter } from '../../src/engine/map/item-raws.js';

let dir: string;
let objects: ObjectStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
  objects = new ObjectStore(path.join(dir, 'objects'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function keysOf(names: string[]): Buffer {
  return Buffer.concat(names.map((name) => keyOf(name)));
}

function rawsOf(manifest: ItemManifest): OldRaws {
  if (manifest.raws === undefined) return new OldRaws(manifest, undefined);
  const chunks = datasetChunks(objects, manifest.raws);
  if (!(chunks instanceof ChunkList)) throw new Error(`raw dataset ${chunks.kind}`);
  return new OldRaws(manifest, new ChunkReader(objects, chunks));
}

const textOf = (raws: OldRaws, i: number): string | undefined => raws.bytesOf(i)?.toString('utf8');

/** A manifest of `count` entries; entry i has the raw result `raw(i)` when that is defined. */
async function manifestOf(count: number, raw: (i: number) => string | undefined): Promise<ItemManifest> {
  const keys = keysOf(Array.from({ length: count }, (_, i) => `item ${i}`));
  const builder = new ItemManifestBuilder();
  const writer = new RawsWriter(objects);
  for (let i = 0; i < count; i++) {
    const entry = builder.add(keys, i * KEY_BYTES, i * 10, 10, 1);
    const text = raw(i);
    if (text !== undefined) writer.write(builder, entry, text);
  }
  return ItemManifest.decode(builder.encode('a'.repeat(64), await writer.finish()));
}

describe('the item manifest', () => {
  it('gives back every entry, block and raw result it was built with', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `item ${i}`);
    const keys = keysOf(names);
    const builder = new ItemManifestBuilder();
    const writer = new RawsWriter(objects);
    for (let i = 0; i < names.length; i++) {
      const entry = builder.add(keys, i * KEY_BYTES, i * 10, 10, i % 3);
      if (i % 2 === 0) writer.write(builder, entry, `{"r":${i}}`);
    }
    builder.addBlock(keyOf('block a'), 0, 1000);
    builder.addBlock(keyOf('block b'), 1000, 2000);
    const raws = await writer.finish();
    const manifest = ItemManifest.decode(builder.encode('d'.repeat(64), raws));

    expect(manifest.dataset).toBe('d'.repeat(64));
    expect(manifest.raws).toBe(raws);
    expect(manifest.entries).toBe(3000);
    expect(manifest.outOffsets[2999]).toBe(29990);
    expect(manifest.outCounts[5]).toBe(2);
    expect(textOf(rawsOf(manifest), 4)).toBe('{"r":4}');
    expect(textOf(rawsOf(manifest), 5)).toBeUndefined();
    expect(textOf(rawsOf(manifest), 2998)).toBe('{"r":2998}');
    expect(manifest.keys.subarray(7 * KEY_BYTES, 8 * KEY_BYTES).equals(keyOf('item 7'))).toBe(true);
    expect([...manifest.blockRanges]).toEqual([0, 1000, 1000, 2000]);

    const table = new KeyTable(manifest.keys, manifest.entries);
    const probe = keysOf(['item 2999', 'item 0', 'not an item']);
    expect([0, 1, 2].map((i) => table.find(probe, i * KEY_BYTES))).toEqual([2999, 0, -1]);
  });

  it('a manifest without raw results names no raw dataset', async () => {
    const manifest = await manifestOf(10, () => undefined);
    expect(manifest.raws).toBeUndefined();
    expect(textOf(rawsOf(manifest), 3)).toBeUndefined();
  });

  it('copies a run of entries from another manifest as adding them one by one would, outputs shifted', async () => {
    const keys = keysOf(Array.from({ length: 50 }, (_, i) => `item ${i}`));
    const from = await manifestOf(50, (i) => (i % 3 === 0 ? `{"r":${i}}` : undefined));
    const old = rawsOf(from);

    const bulk = new ItemManifestBuilder(4);
    const single = new ItemManifestBuilder();
    const bulkRaws = new RawsWriter(objects);
    const singleRaws = new RawsWriter(objects);
    bulkRaws.write(bulk, bulk.add(keys, 0, 0, 7, 1), '{"first":true}');
    singleRaws.write(single, single.add(keys, 0, 0, 7, 1), '{"first":true}');
    expect(bulk.addFrom(from, 10, 30, 1000 - 100)).toBe(1);
    bulkRaws.copy(bulk, 1, old, 10, 30);
    for (let i = 10; i < 40; i++) {
      const entry = single.add(keys, i * KEY_BYTES, 1000 + (i - 10) * 10, 10, 1);
      const raw = old.bytesOf(i);
      if (raw) singleRaws.write(single, entry, raw.toString('utf8'));
    }
    const a = ItemManifest.decode(bulk.encode('b'.repeat(64), await bulkRaws.finish()));
    const b = ItemManifest.decode(single.encode('b'.repeat(64), await singleRaws.finish()));
    expect(a.entries).toBe(31);
    expect(a.keys.equals(b.keys)).toBe(true);
    expect([...a.outOffsets]).toEqual([...b.outOffsets]);
    expect([...a.outLengths]).toEqual([...b.outLengths]);
    expect([...a.outCounts]).toEqual([...b.outCounts]);
    expect(a.raws).toBe(b.raws);
    const [ra, rb] = [rawsOf(a), rawsOf(b)];
    expect(Array.from({ length: 31 }, (_, i) => textOf(ra, i))).toEqual(
      Array.from({ length: 31 }, (_, i) => textOf(rb, i)),
    );
    expect(textOf(ra, 3)).toBe('{"r":12}');
    expect(textOf(ra, 4)).toBeUndefined();
  });

  it('a rerun that keeps every raw result names the old chunks without reading them: the raw dataset is the same blob', async () => {
    const big = (i: number): string => JSON.stringify({ i, vector: Buffer.alloc(1500, i % 251).toString('base64') });
    const from = await manifestOf(2000, big);
    const chunks = datasetChunks(objects, from.raws ?? '');
    if (!(chunks instanceof ChunkList)) throw new Error('no raw dataset');
    expect(chunks.chunks.length).toBeGreaterThan(5);
    // Gone: a copy that read it would fail; one that names it does not notice.
    fs.rmSync(objects.pathOf(chunks.chunks[3]?.hash ?? ''));

    const builder = new ItemManifestBuilder();
    builder.addFrom(from, 0, 2000, 0);
    const writer = new RawsWriter(objects);
    writer.copy(builder, 0, rawsOf(from), 0, 2000);
    const again = ItemManifest.decode(builder.encode('a'.repeat(64), await writer.finish()));
    expect(again.raws).toBe(from.raws);
    expect(textOf(rawsOf(again), 1999)).toBe(big(1999));
  });

  it('reads the raw results of a manifest of format 1 (in its raw section), and copies them into a raw dataset', async () => {
    const keys = keysOf(['a', 'b', 'c']);
    const builder = new ItemManifestBuilder();
    const section = ['{"r":"a"}', '{"r":"c"}'];
    builder.add(keys, 0, 0, 5, 1);
    builder.setRaw(0, 0, section[0]?.length ?? 0);
    builder.add(keys, KEY_BYTES, 5, 5, 1);
    builder.add(keys, 2 * KEY_BYTES, 10, 5, 1);
    builder.setRaw(2, section[0]?.length ?? 0, section[1]?.length ?? 0);
    const v1 = ItemManifest.decode(formatOne(builder.encode('d'.repeat(64)), Buffer.from(section.join(''))));
    expect(v1.raws).toBeUndefined();
    const old = rawsOf(v1);
    expect([0, 1, 2].map((i) => textOf(old, i))).toEqual(['{"r":"a"}', undefined, '{"r":"c"}']);

    const next = new ItemManifestBuilder();
    next.addFrom(v1, 0, 3, 0);
    const writer = new RawsWriter(objects);
    writer.copy(next, 0, old, 0, 3);
    const v2 = ItemManifest.decode(next.encode('d'.repeat(64), await writer.finish()));
    expect(v2.raws).toMatch(/^[0-9a-f]{64}$/);
    expect([0, 1, 2].map((i) => textOf(rawsOf(v2), i))).toEqual(['{"r":"a"}', undefined, '{"r":"c"}']);
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

/** A format-2 blob without a raw dataset made into format 1: `raw` appended as its raw section. */
function formatOne(blob: Buffer, raw: Buffer): Buffer {
  const end = blob.indexOf(10, blob.indexOf(10) + 1);
  const header = JSON.parse(blob.subarray(blob.indexOf(10) + 1, end).toString('utf8'));
  header.sections.raw = [blob.length, raw.length];
  const text = `runner-item-manifest 1\n${JSON.stringify(header)}`;
  const head = Buffer.from(`${text.padEnd(1023, ' ')}\n`);
  return Buffer.concat([head, blob.subarray(1024), raw]);
}
