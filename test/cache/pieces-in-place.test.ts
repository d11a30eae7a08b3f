// Bytes stored in pieces (an item manifest: putPieces) given as parts are
// stored as if joined, and read back whole (ChunkReader.all) with each piece
// read straight into its place in one buffer: a piece gone, changed, cut
// short or of another size than its index says is never read as the bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkList, ChunkReader, datasetChunks, PIECE_BYTES, putPieces } from '../../src/cache/dataset-chunks.js';
import { ObjectStore } from '../../src/cache/object-store.js';

let dir: string;
let objects: ObjectStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pieces-'));
  objects = new ObjectStore(path.join(dir, 'objects'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `total` bytes that differ from piece to piece, so no two pieces share a blob. */
function bytesOf(total: number, seed: number): Buffer {
  const out = Buffer.alloc(total);
  let h = seed;
  for (let i = 0; i < total; i++) {
    h = Math.imul(h ^ i, 0x01000193) >>> 0;
    out[i] = h & 0xff;
  }
  return out;
}

/** `bytes` cut into parts at `cuts` (offsets, in order; a repeated offset makes an empty part). */
function partsOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(at, cut));
    at = cut;
  }
  return parts;
}

function listOf(hash: string): ChunkList {
  const list = datasetChunks(objects, hash);
  if (!(list instanceof ChunkList)) throw new Error(`no chunk list: ${list.kind}`);
  return list;
}

describe('bytes in pieces', () => {
  const total = 3 * PIECE_BYTES + 1234;
  it.each([
    ['one part', []],
    ['parts cut inside pieces, one empty', [10, 5000, 5000, PIECE_BYTES + 7, 2 * PIECE_BYTES + 100]],
    ['parts cut on piece boundaries', [PIECE_BYTES, 2 * PIECE_BYTES, 3 * PIECE_BYTES]],
    ['a part spanning three pieces', [1, total - 1]],
  ])('given as %s, are stored as joined and read back whole', (_name, cuts) => {
    const bytes = bytesOf(total, 7);
    const joined = putPieces(objects, bytes);
    const fresh = new ObjectStore(path.join(dir, 'other'));
    const fromParts = putPieces(fresh, partsOf(bytes, cuts));
    expect(fromParts).toBe(joined);
    const list = listOf(joined);
    expect(list.chunks.map((chunk) => chunk.bytes)).toEqual([PIECE_BYTES, PIECE_BYTES, PIECE_BYTES, 1234]);
    // A reader in a later run: nothing known sound yet.
    const later = new ObjectStore(path.join(dir, 'other'));
    expect(new ChunkReader(later, listOf(fromParts)).all().equals(bytes)).toBe(true);
  });

  it('a rerun that changes a few bytes writes the piece they are in and names the others', () => {
    const bytes = bytesOf(total, 11);
    const first = listOf(putPieces(objects, partsOf(bytes, [100, PIECE_BYTES + 3])));
    const changed = Buffer.from(bytes);
    changed[PIECE_BYTES + 50] = (changed[PIECE_BYTES + 50] ?? 0) ^ 0xff;
    const second = listOf(putPieces(objects, partsOf(changed, [PIECE_BYTES + 40, PIECE_BYTES + 60])));
    const differ = first.chunks.map((chunk, i) => chunk.hash !== second.chunks[i]?.hash);
    expect(differ).toEqual([false, true, false, false]);
  });

  it.each([
    ['gone', 'missing', (file: string) => fs.rmSync(file)],
    [
      'changed in place',
      'corrupt',
      (file: string) => {
        const data = fs.readFileSync(file);
        data[17] = (data[17] ?? 0) ^ 1;
        fs.writeFileSync(file, data);
      },
    ],
    ['cut short', 'corrupt', (file: string) => fs.truncateSync(file, 1000)],
  ] as const)('a piece %s throws as %s, and a corrupt one is removed', (_name, kind, damage) => {
    const bytes = bytesOf(total, 13);
    const list = listOf(putPieces(objects, bytes));
    const second = list.chunks[1]?.hash ?? '';
    damage(objects.pathOf(second));
    const later = new ObjectStore(path.join(dir, 'objects'));
    expect(() => new ChunkReader(later, list).all()).toThrow(
      `chunk ${second.slice(0, 12)} of a cached dataset is ${kind} in the object store`,
    );
    expect(fs.existsSync(objects.pathOf(second))).toBe(false);
  });

  it('a sound piece of another size than its index says throws as corrupt, and is kept', () => {
    const bytes = bytesOf(total, 17);
    const list = listOf(putPieces(objects, bytes));
    const other = objects.putSound(bytesOf(PIECE_BYTES - 1, 19));
    const lying = new ChunkList(list.chunks.map((chunk, i) => (i === 1 ? { ...chunk, hash: other } : chunk)));
    const reader = new ChunkReader(new ObjectStore(path.join(dir, 'objects')), lying);
    expect(() => reader.all()).toThrow(
      `chunk ${other.slice(0, 12)} of a cached dataset is corrupt in the object store`,
    );
    expect(fs.existsSync(objects.pathOf(other))).toBe(true);
  });
});
