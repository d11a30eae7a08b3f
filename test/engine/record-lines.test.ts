// A task's records are written a batch at a time (kinds/task.ts): one
// JSON.stringify for the batch, cut into lines where the array's text holds
// `},{`. Those lines must be exactly the records' own JSON lines, and where
// a record's text holds `},{` too the batch is written record by record.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import type { JsonRecord } from '../../src/api.js';
import { DatasetWriter } from '../../src/engine/dataset.js';
import { recordLines } from '../../src/engine/record-json.js';

const oneByOne = (records: readonly unknown[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('recordLines', () => {
  it("gives each plain record's own JSON line", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.n = 1;
    const records = [
      {},
      { a: 1, b: 'x' },
      bare,
      { text: 'a line\nand another, with } and { and ",{" apart', nested: { deep: [1, { x: 2 }] } },
      { unicode: 'é 漢 😀', skipped: undefined, nan: Number.NaN },
      {},
    ];
    expect(recordLines(records)).toBe(oneByOne(records));
    expect(recordLines([])).toBe('');
  });

  it('refuses records whose own text holds the seam, so the caller writes them one by one', () => {
    expect(recordLines([{ a: 1 }, { text: 'x},{y' }])).toBeUndefined();
    expect(recordLines([{ list: [{ a: 1 }, { b: 2 }] }, { c: 3 }])).toBeUndefined();
    expect(recordLines([{ list: [{ a: 1 }, { b: 2 }] }])).toBeUndefined();
  });

  it('refuses a batch with a record that is not a plain object, or that JSON cannot write', () => {
    expect(recordLines([{ a: 1 }, new Date(0)])).toBeUndefined();
    expect(recordLines([{ a: 1 }, new (class Point {})()])).toBeUndefined();
    expect(recordLines([{ a: 1 }, [1, 2]])).toBeUndefined();
    expect(recordLines([{ a: 1 }, null])).toBeUndefined();
    expect(recordLines([{ a: 1 }, { toJSON: () => 'x' }])).toBeUndefined();
    expect(recordLines([{ a: 1 }, { n: 1n }])).toBeUndefined();
  });
});

describe('DatasetWriter.writeRecords', () => {
  let dir: string;
  let objects: ObjectStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-lines-'));
    objects = new ObjectStore(path.join(dir, 'objects'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the dataset write() writes record by record, batches that fall back included', async () => {
    const records: JsonRecord[] = Array.from({ length: 20_000 }, (_, i) =>
      i % 997 === 0 ? { i, list: [{ a: i }, { a: -i }] } : { id: `r${i}`, text: `text ${i % 13}`, v: i },
    );
    const one = new DatasetWriter(objects);
    for (const record of records) one.write(record, () => 'test');
    const batched = new DatasetWriter(objects);
    for (let at = 0; at < records.length; at += 512) batched.writeRecords(records.slice(at, at + 512), () => 'test');
    const [a, b] = [await one.finish(), await batched.finish()];
    expect(b).toEqual(a);
    expect(a.count).toBe(records.length);
  });

  it('names a bad record by its number among all records written, as write() does', () => {
    const writer = new DatasetWriter(objects);
    writer.writeRecords([{ a: 1 }, { a: 2 }], () => 'm.mjs#gen');
    expect(() => writer.writeRecords([{ a: 3 }, { n: 1n } as unknown as JsonRecord], () => 'm.mjs#gen')).toThrow(
      /^m\.mjs#gen produced a record that is not JSON: Do not know how to serialize a BigInt \(its record 4, counting from 1\)$/,
    );
  });
});
