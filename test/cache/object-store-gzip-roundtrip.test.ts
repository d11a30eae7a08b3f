// Compressed blobs: stored gzipped under `<hash>.gz`, named by the hash of
// the raw bytes, and read back as exactly the raw bytes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import { sha256 } from '../../src/util/hash.js';
import { tempDir } from './helpers.js';

async function readAll(store: ObjectStore, hash: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.openRead(hash) as NodeJS.ReadableStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('ObjectStore gzip blobs', () => {
  it.each([
    ['text', Buffer.from('line of text\n'.repeat(50_000))],
    ['binary', randomBytes(300_000)],
    ['empty', Buffer.alloc(0)],
  ])('round-trips %s bytes through put, openRead, verify and restoreTo', async (_name, raw) => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const hash = store.putBytes(raw, { compress: true });
    expect(hash).toBe(sha256(raw));
    expect(store.locate(hash)).toEqual({ file: store.pathOf(hash, true), isCompressed: true });
    const stored = fs.readFileSync(store.pathOf(hash, true));
    expect(stored.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(stored).equals(raw)).toBe(true);

    expect((await readAll(store, hash)).equals(raw)).toBe(true);
    expect(await store.verify(hash)).toBeUndefined();
    const target = path.join(root, 'restored.bin');
    expect(await store.restoreTo(hash, target)).toBeUndefined();
    expect(fs.readFileSync(target).equals(raw)).toBe(true);
  });

  it('compresses text (the stored blob is smaller)', () => {
    const store = new ObjectStore(tempDir());
    const raw = 'repetitive '.repeat(10_000);
    const hash = store.putBytes(raw, { compress: true });
    expect(fs.statSync(store.pathOf(hash, true)).size).toBeLessThan(raw.length / 10);
  });

  it('one blob per content: a raw copy already stored is reused, and remove() drops both forms', () => {
    const store = new ObjectStore(tempDir());
    const hash = store.putBytes('same bytes');
    expect(store.putBytes('same bytes', { compress: true })).toBe(hash);
    expect(fs.existsSync(store.pathOf(hash, true))).toBe(false);
    store.remove(hash);
    expect(store.has(hash)).toBe(false);
  });
});
