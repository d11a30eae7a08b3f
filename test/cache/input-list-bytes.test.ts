// The bytes a stage key hashes and a long list is stored as: exactly
// inputsText's UTF-8, for plain paths and for those written as JSON (a
// newline in them, a leading quote), non-ASCII ones and a missing file.
// And the same bytes made from an older list's by replacing a few lines
// (patchedInputsBytes), and the hashes read back from them (ListText.read);
// stored around those lines from the older list's chunks (writePatched), the
// dataset the whole text gives, with only the chunks that changed written.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkList, ChunkReader, datasetChunks } from '../../src/cache/dataset-chunks.js';
import { inputsBytes, inputsText } from '../../src/cache/fingerprint.js';
import { patchedInputsBytes } from '../../src/cache/list-patch.js';
import { ListText } from '../../src/cache/list-text.js';
import { ObjectStore } from '../../src/cache/object-store.js';
import { DatasetWriter } from '../../src/engine/dataset.js';
import { writePatched } from '../../src/engine/record.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

const ODD_PATHS = [
  'a.txt',
  'dir/ü é/ñ.md',
  'emoji/🎉.ts',
  'line\nbreak.txt',
  '"quoted".txt',
  'tab\there',
  'sp ace',
  '',
];

/** The odd paths, then 3,000 plain ones, each with a hash (the third missing). */
function oddList(): [string, string][] {
  const inputs: [string, string][] = ODD_PATHS.map((p, i) => [p, i === 2 ? 'missing' : hex(i)]);
  for (let i = 0; i < 3000; i++) inputs.push([`data/d${i % 7}/f${i}.txt`, hex(1000 + i)]);
  return inputs;
}

describe('inputsBytes', () => {
  it("is inputsText's UTF-8 and its sha256, whatever the paths", () => {
    const inputs = oddList();
    const { bytes, hash } = inputsBytes(inputs);
    const expected = Buffer.from(inputsText(inputs));
    expect(bytes.equals(expected)).toBe(true);
    expect(hash).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(inputsBytes([]).bytes.length).toBe(0);
  });
});

describe('patchedInputsBytes and ListText.read', () => {
  it('make the bytes inputsBytes gives for a list that differs in a few lines, and read its hashes back', () => {
    const before = oddList();
    const old = Buffer.from(inputsText(before));
    // The first and last lines, two neighbours, odd paths, a file gone missing and one back from missing.
    const rows = [0, 1, 2, 3, 4, 7, 500, 501, before.length - 1];
    const after = before.map(([file, hash], i): [string, string] =>
      !rows.includes(i) ? [file, hash] : [file, i === 500 ? 'missing' : i === 2 ? hex(77) : hex(5000 + i)],
    );
    const lines: [string, string][] = [];
    for (const i of rows) lines[i] = after[i] as [string, string];
    const patched = patchedInputsBytes(Buffer.from(old), rows, lines)?.bytes;
    expect(patched?.equals(Buffer.from(inputsText(after)))).toBe(true);
    // Lines as long as the ones they replace are written over the old bytes.
    const edited = before.map(([file, hash], i): [string, string] => [file, i === 9 || i === 2000 ? hex(9999) : hash]);
    const inPlace = Buffer.from(old);
    expect(patchedInputsBytes(inPlace, [9, 2000], edited)?.bytes).toBe(inPlace);
    expect(inPlace.equals(Buffer.from(inputsText(edited)))).toBe(true);

    const files = after.map(([file]) => file);
    const hash = createHash('sha256')
      .update(patched as Buffer)
      .digest('hex');
    const read = ListText.read(patched as Buffer, hash, files.length);
    expect(files.map((file, i) => [file, read?.hashAt(i)])).toEqual(after);
    expect(read?.bytes).toBe(patched);
    expect(read?.hash).toBe(hash);
  });

  it('give nothing for a text shorter or longer than the list', () => {
    const list = oddList();
    const text = Buffer.from(inputsText(list));
    expect(patchedInputsBytes(Buffer.from(text.subarray(0, 100)), [list.length - 1], list)).toBeUndefined();
    const files = list.map(([file]) => file);
    expect(ListText.read(text, 'x', files.length - 1)).toBeUndefined();
    expect(ListText.read(text, 'x', files.length + 1)).toBeUndefined();
  });
});

describe('writePatched', () => {
  it('stores a patched list as the dataset its whole text gives, with a few chunks new', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patched-list-'));
    try {
      const objects = new ObjectStore(path.join(dir, 'objects'));
      const before: [string, string][] = [];
      for (let i = 0; i < 40_000; i++) before.push([`data/d${i % 13}/f${i}.txt`, i === 700 ? 'missing' : hex(i)]);
      const writer = new DatasetWriter(objects);
      const old = Buffer.from(inputsText(before));
      writer.writeBytes(old);
      const chunks = datasetChunks(objects, (await writer.finish()).hash);
      if (!(chunks instanceof ChunkList)) throw new Error('no old dataset');
      expect(chunks.chunks.length).toBeGreaterThan(8);

      // In place (hashes for hashes), then with lengths changed (one gone missing, one back).
      for (const changed of [
        new Map([
          [3, hex(1e6)],
          [21_000, hex(2e6)],
          [39_999, hex(3e6)],
        ]),
        new Map([
          [700, hex(4e6)],
          [30_000, 'missing'],
        ]),
      ]) {
        const after = before.map(([file, hash], i): [string, string] => [file, changed.get(i) ?? hash]);
        const rows = [...changed.keys()];
        const patched = patchedInputsBytes(Buffer.from(old), rows, after);
        if (!patched) throw new Error('not patched');
        const filesBefore = fs.readdirSync(path.join(dir, 'objects'), { recursive: true }).length;
        const viaOld = new DatasetWriter(objects);
        writePatched(viaOld, new ChunkReader(objects, chunks), patched.spans, patched.bytes);
        const hash = (await viaOld.finish()).hash;
        const written = fs.readdirSync(path.join(dir, 'objects'), { recursive: true }).length - filesBefore;
        const whole = new DatasetWriter(objects);
        whole.writeBytes(Buffer.from(inputsText(after)));
        expect((await whole.finish()).hash).toBe(hash);
        expect(written).toBeLessThanOrEqual(2 * rows.length + 3);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
