// Datasets stored in chunks: the chunking depends on the records only (the
// same records give the same dataset hash however a run pieced them
// together), a rerun that keeps most records names their chunks instead of
// writing them again, and a chunk gone or corrupt is never read as records.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_MAX, ChunkList, ChunkReader, datasetChunks, isNatural } from '../../src/cache/dataset-chunks.js';
import { ObjectStore } from '../../src/cache/object-store.js';
import type { DatasetRecord } from '../../src/cache/state.js';
import { DatasetWriter } from '../../src/engine/dataset.js';
import { LostRecordsError } from '../../src/engine/dataset-reader.js';
import { readDataset } from '../../src/engine/read-records.js';
import { recordBlocks } from '../../src/engine/map/item-source.js';

let dir: string;
let objects: ObjectStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunks-'));
  objects = new ObjectStore(path.join(dir, 'objects'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records of varied length: mostly short, some of several KB, a few longer than a whole chunk. */
function lines(count: number, next: () => number, tag = ''): string[] {
  return Array.from({ length: count }, (_, i) => {
    const roll = next();
    const size = roll < 0.002 ? CHUNK_MAX + 1000 : roll < 0.05 ? 4000 : Math.floor(next() * 200);
    return `${JSON.stringify({ i, tag, text: 'x'.repeat(size), r: next() })}\n`;
  });
}

function writeAll(text: readonly string[], options: { compress?: boolean } = {}): Promise<DatasetRecord> {
  const writer = new DatasetWriter(objects, options);
  for (const line of text) writer.writeLines(line);
  return writer.finish();
}

function chunksOf(dataset: DatasetRecord): ChunkReader {
  const chunks = datasetChunks(objects, dataset.hash);
  if (!(chunks instanceof ChunkList)) throw new Error(`dataset ${chunks.kind}`);
  return new ChunkReader(objects, chunks);
}

async function recordsOf(dataset: DatasetRecord): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const record of readDataset(objects, dataset, 'p/s')) out.push(record);
  return out;
}

function byteLength(text: readonly string[]): number {
  return text.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
}

describe('datasets in chunks', () => {
  it('the same records give the same dataset, whether written whole or pieced from an older one', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const next = random(seed);
      const old = lines(3000, next);
      const oldDataset = await writeAll(old);
      const oldChunks = chunksOf(oldDataset);
      // Keep [0, a), write some new records, keep [b, end): an edit, an insertion or a deletion.
      const a = Math.floor(next() * old.length);
      const b = Math.min(old.length, a + Math.floor(next() * 20));
      const fresh = lines(Math.floor(next() * 5), next, `edit${seed}`);
      const pieced = new DatasetWriter(objects);
      pieced.appendFrom(oldChunks, 0, byteLength(old.slice(0, a)));
      for (const line of fresh) pieced.writeLines(line);
      pieced.appendFrom(oldChunks, byteLength(old.slice(0, b)), byteLength(old));
      const piecedDataset = await pieced.finish();

      const content = [...old.slice(0, a), ...fresh, ...old.slice(b)];
      const whole = await writeAll(content);
      expect(piecedDataset, `seed ${seed}`).toEqual(whole);
      expect(await recordsOf(piecedDataset)).toEqual(content.map((line) => JSON.parse(line)));
    }
  });

  it('records that never end a chunk by themselves: chunks cut at CHUNK_MAX, pieced the same as written whole', async () => {
    const next = random(11);
    const unnatural = (line: string): boolean => !isNatural(Buffer.from(line), 0, Buffer.byteLength(line) - 1);
    const old = lines(20_000, next).filter(unnatural);
    const oldChunks = chunksOf(await writeAll(old));
    expect(oldChunks.list.chunks.filter((chunk) => chunk.cut === 'forced').length).toBeGreaterThan(3);
    for (let round = 0; round < 6; round++) {
      const a = Math.floor(next() * old.length);
      const b = Math.min(old.length, a + Math.floor(next() * 3));
      const fresh = lines(1 + Math.floor(next() * 3), next, `edit${round}`).filter(unnatural);
      const pieced = new DatasetWriter(objects);
      pieced.appendFrom(oldChunks, 0, byteLength(old.slice(0, a)));
      for (const line of fresh) pieced.writeLines(line);
      pieced.appendFrom(oldChunks, byteLength(old.slice(0, b)), byteLength(old));
      const content = [...old.slice(0, a), ...fresh, ...old.slice(b)];
      expect(await pieced.finish(), `round ${round}`).toEqual(await writeAll(content));
    }
  });

  it('records written one by one give the dataset their lines give, offsets and older ranges placed where they were asked', async () => {
    const next = random(5);
    const old = lines(2000, next, 'old');
    const oldChunks = chunksOf(await writeAll(old));
    const records = lines(6000, next, 'new').map((line) => JSON.parse(line) as { i: number });
    const writer = new DatasetWriter(objects);
    const content: string[] = [];
    const offsets: [number, number][] = [];
    for (const [k, record] of records.entries()) {
      if (k % 1500 === 700) {
        // An older range between records: the records before it must be placed before it.
        const [a, b] = [Math.floor(next() * 100), 100 + Math.floor(next() * 1000)];
        writer.appendFrom(oldChunks, byteLength(old.slice(0, a)), byteLength(old.slice(0, b)));
        content.push(...old.slice(a, b));
      }
      if (k % 97 === 0) offsets.push([writer.offset, byteLength(content)]);
      writer.write(record, () => `record ${k}`);
      content.push(`${JSON.stringify(record)}\n`);
    }
    const dataset = await writer.finish();
    for (const [asked, expected] of offsets) expect(asked).toBe(expected);
    expect(dataset).toEqual(await writeAll(content));
    expect(await recordsOf(dataset)).toEqual(content.map((line) => JSON.parse(line)));
  });

  it('bytes of many chunks written at once (a long input list) give the dataset their lines give one by one', async () => {
    const next = random(9);
    const content = lines(20_000, next, 'list');
    const writer = new DatasetWriter(objects);
    writer.writeBytes(Buffer.from(content.join('')));
    expect(byteLength(content)).toBeGreaterThan(4 * CHUNK_MAX);
    expect(await writer.finish()).toEqual(await writeAll(content));
  });

  it('a rerun that changes one record of many writes a chunk or two, not the dataset', async () => {
    const old = lines(20_000, random(7)).map((line) => line.replace(/"text":"x{4000}"/, '"text":"long"'));
    const oldDataset = await writeAll(old);
    const oldChunks = chunksOf(oldDataset);
    expect(oldChunks.list.chunks.length).toBeGreaterThan(20);
    const before = new Set(fs.readdirSync(objects.dir));
    const at = 10_000;
    const writer = new DatasetWriter(objects);
    writer.appendFrom(oldChunks, 0, byteLength(old.slice(0, at)));
    writer.writeLines(`${JSON.stringify({ i: at, changed: true })}\n`);
    writer.appendFrom(oldChunks, byteLength(old.slice(0, at + 1)), byteLength(old));
    const dataset = await writer.finish();
    const written = fs.readdirSync(objects.dir).filter((name) => !before.has(name));
    // The index, the chunk holding the change, and perhaps the next one (when the edit moved a forced cut).
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.length).toBeLessThanOrEqual(4);
    expect(dataset.count).toBe(old.length);
  });

  it('a dataset stored whole (before chunking) is read, and pieced from, as one chunk', async () => {
    const old = lines(500, random(3));
    const hash = objects.putBytes(old.join(''));
    const legacy = { hash, count: old.length };
    expect(await recordsOf(legacy)).toEqual(old.map((line) => JSON.parse(line)));
    const writer = new DatasetWriter(objects);
    writer.appendFrom(chunksOf(legacy), 0, byteLength(old));
    expect(await writer.finish()).toEqual(await writeAll(old));
  });

  it('compressed chunks hold the same records under the same dataset hash', async () => {
    const text = lines(2000, random(5));
    const plain = await writeAll(text);
    fs.rmSync(objects.dir, { recursive: true });
    objects = new ObjectStore(path.join(dir, 'objects'));
    const compressed = await writeAll(text, { compress: true });
    expect(compressed).toEqual(plain);
    expect(fs.readdirSync(objects.dir).some((name) => name.endsWith('.gz'))).toBe(true);
    expect(await recordsOf(compressed)).toEqual(text.map((line) => JSON.parse(line)));
  });

  it.each([
    ['missing', (file: string) => fs.rmSync(file)],
    ['corrupt', (file: string) => fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"i":', '"j":'))],
  ] as const)('a %s chunk is a LostRecordsError before the first record', async (problem, damage) => {
    const text = lines(3000, random(9));
    const dataset = await writeAll(text);
    const chunks = chunksOf(dataset).list.chunks;
    damage(objects.pathOf(chunks.at(-1)?.hash ?? ''));
    // A reader in a later run: nothing is known sound yet.
    objects = new ObjectStore(path.join(dir, 'objects'));
    const seen: unknown[] = [];
    const read = async (): Promise<void> => {
      for await (const record of readDataset(objects, dataset, 'p/s')) seen.push(record);
    };
    const error = await read().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LostRecordsError);
    expect(error).toMatchObject({ stage: 'p/s', problem });
    expect(seen).toEqual([]);
    if (problem === 'corrupt') expect(fs.existsSync(objects.pathOf(chunks.at(-1)?.hash ?? ''))).toBe(false);
  });
});

describe('reading records chunk by chunk', () => {
  it('gives every record in order, and names the line of one that does not parse, counted across chunks', async () => {
    const text = lines(6000, random(21));
    const good = await writeAll(text);
    expect(chunksOf(good).list.chunks.length).toBeGreaterThan(3);
    expect(await recordsOf(good)).toEqual(text.map((line) => JSON.parse(line)));
    const bad = await writeAll([...text.slice(0, 5000), '{"not json\n', ...text.slice(5000)]);
    await expect(recordsOf(bad)).rejects.toThrow(/^records of p\/s:5001: invalid JSON/);
  });

  it('two readers go their own ways, one that stops early changes nothing for the next, and a chunk lost midway stops the reader there', async () => {
    const text = lines(6000, random(22));
    const dataset = await writeAll(text);
    const chunks = chunksOf(dataset).list.chunks;
    const all = text.map((line) => JSON.parse(line));
    const [a, b] = [readDataset(objects, dataset, 'p/s'), readDataset(objects, dataset, 'p/s')];
    const firstOfA = await a.next();
    const twoOfB = [await b.next(), await b.next()];
    expect([firstOfA.value, (await a.next()).value]).toEqual(all.slice(0, 2));
    expect(twoOfB.map((result) => result.value)).toEqual(all.slice(0, 2));
    for await (const record of readDataset(objects, dataset, 'p/s')) if (record.i === 10) break;
    expect(await recordsOf(dataset)).toEqual(all);
    // Lost after the reader checked every chunk: the records before it are read, then the error.
    const seen: unknown[] = [];
    const reader = readDataset(objects, dataset, 'p/s');
    seen.push((await reader.next()).value);
    fs.rmSync(objects.pathOf(chunks.at(-1)?.hash ?? ''));
    const error = await (async () => {
      for await (const record of reader) seen.push(record);
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'LostRecordsError', stage: 'p/s', problem: 'missing' });
    expect(seen).toEqual(all.slice(0, text.length - (chunks.at(-1)?.records ?? 0)));
  });
});

describe('readers side by side, and a chunk changed under one', () => {
  it('readers read side by side, and one after another, each get their own records whole', async () => {
    const next = random(23);
    const [one, two] = [lines(5000, next, 'one'), lines(5000, next, 'two')];
    const [first, second] = [await writeAll(one), await writeAll(two)];
    expect(chunksOf(first).list.chunks.length).toBeGreaterThan(3);
    // One that stops early changes nothing for the two read side by side after it.
    for await (const record of readDataset(objects, first, 'p/s')) if (record.i === 100) break;
    const [a, b] = [readDataset(objects, first, 'p/s'), readDataset(objects, second, 'p/s')];
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    for (let done = 0; done < 2; ) {
      done = 0;
      for (const [reader, seen] of [
        [a, seenA],
        [b, seenB],
      ] as const) {
        const result = await reader.next();
        if (result.done) done++;
        else seen.push(result.value);
      }
    }
    expect(seenA).toEqual(one.map((line) => JSON.parse(line)));
    expect(seenB).toEqual(two.map((line) => JSON.parse(line)));
    expect(await recordsOf(second)).toEqual(seenB);
  });

  it('a chunk changed in place, to bytes of the same length, after the reader checked every chunk: the records before it, then corrupt', async () => {
    const text = lines(3000, random(24));
    const dataset = await writeAll(text);
    const chunks = chunksOf(dataset).list.chunks;
    const last = chunks.at(-1);
    if (!last || chunks.length < 2) throw new Error('one chunk only');
    const reader = readDataset(objects, dataset, 'p/s');
    const seen: unknown[] = [(await reader.next()).value];
    const file = objects.pathOf(last.hash);
    const bytes = fs.readFileSync(file);
    bytes[10] = bytes[10] === 0x61 ? 0x62 : 0x61;
    fs.writeFileSync(file, bytes);
    const error = await (async () => {
      for await (const record of reader) seen.push(record);
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'LostRecordsError', stage: 'p/s', problem: 'corrupt' });
    expect(seen).toEqual(text.slice(0, text.length - last.records).map((line) => JSON.parse(line)));
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("a map stage's records, read chunk by chunk", () => {
  it('a chunk the last run covered whole is one block, never read; the others are read in blocks of batchSize', async () => {
    const text = lines(4000, random(13)).map((line) => line.replace(/"text":"x{4000}"/, '"text":"long"'));
    const dataset = await writeAll(text);
    const chunks = chunksOf(dataset).list.chunks;
    expect(chunks.length).toBeGreaterThan(4);
    const skipped = chunks[2];
    if (!skipped) throw new Error('no third chunk');
    fs.rmSync(objects.pathOf(skipped.hash));
    const known = (identity: string, records: number): boolean =>
      identity === `chunk\0${skipped.hash}` && records === skipped.records;
    const source = recordBlocks(objects, dataset, 'p/s', 100, known);
    const skippedFirst = (chunks[0]?.records ?? 0) + (chunks[1]?.records ?? 0);
    const seen: { first: number; count: number; isKnown: boolean }[] = [];
    for await (const block of source.blocks) {
      const isKnown = block.blockIdentity() === `chunk\0${skipped.hash}`;
      if (!isKnown) expect(block.item(0)).toEqual(JSON.parse(text[block.firstIndex] ?? ''));
      // A block stops short of 100 items only before the chunk reused whole, and at the end.
      const end = block.firstIndex + block.count;
      if (!isKnown && end !== skippedFirst && end !== text.length) expect(block.count).toBe(100);
      seen.push({ first: block.firstIndex, count: block.count, isKnown });
    }
    expect(seen.filter((block) => block.isKnown)).toEqual([
      { first: skippedFirst, count: skipped.records, isKnown: true },
    ]);
    expect(seen.reduce((sum, block) => sum + block.count, 0)).toBe(text.length);
    expect(
      seen.every((block, i) => i === 0 || block.first === (seen[i - 1]?.first ?? 0) + (seen[i - 1]?.count ?? 0)),
    ).toBe(true);
  });
});
