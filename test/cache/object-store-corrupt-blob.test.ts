// A blob whose content no longer matches its name is a miss, and is removed,
// whichever way it is read: stream, verify, restore. Raw and gzip blobs alike.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptObjectError } from '../../src/cache/object-problem.js';
import { ObjectStore } from '../../src/cache/object-store.js';
import { sha256 } from '../../src/util/hash.js';
import { tempDir } from './helpers.js';

const CONTENT = 'the real content\n'.repeat(1000);

type Corruption = { name: string; compress: boolean; corrupt: (file: string) => void };

const corruptions: Corruption[] = [
  { name: 'raw blob, other bytes', compress: false, corrupt: (f) => fs.writeFileSync(f, 'garbage') },
  { name: 'raw blob, one byte flipped', compress: false, corrupt: (f) => flipByte(f) },
  {
    name: 'gzip blob, valid gzip of other bytes',
    compress: true,
    corrupt: (f) => fs.writeFileSync(f, gzipSync('other')),
  },
  { name: 'gzip blob, not gzip at all', compress: true, corrupt: (f) => fs.writeFileSync(f, 'garbage') },
  {
    name: 'gzip blob, truncated',
    compress: true,
    corrupt: (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)),
  },
];

function flipByte(file: string): void {
  const bytes = fs.readFileSync(file);
  bytes[100] = (bytes[100] ?? 0) ^ 0xff;
  fs.writeFileSync(file, bytes);
}

function corruptStore(c: Corruption): { store: ObjectStore; hash: string; file: string; root: string } {
  const root = tempDir();
  const store = new ObjectStore(path.join(root, 'objects'));
  const hash = store.putBytes(CONTENT, { compress: c.compress });
  const file = store.pathOf(hash, c.compress);
  expect(fs.existsSync(file)).toBe(true);
  c.corrupt(file);
  return { store, hash, file, root };
}

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(corruptions)('ObjectStore with a corrupt blob ($name)', (c) => {
  it('openRead errors with CorruptObjectError and removes the blob', async () => {
    const { store, hash, file } = corruptStore(c);
    const stream = store.openRead(hash);
    expect(stream).toBeDefined();
    const error = await drain(stream as NodeJS.ReadableStream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect((error as CorruptObjectError).hash).toBe(hash);
    expect(fs.existsSync(file)).toBe(false);
    expect(store.has(hash)).toBe(false);
  });

  it('verify reports it corrupt and removes it; then it is missing', async () => {
    const { store, hash, file } = corruptStore(c);
    expect(await store.verify(hash)).toMatchObject({ kind: 'corrupt' });
    expect(fs.existsSync(file)).toBe(false);
    expect(await store.verify(hash)).toEqual({ kind: 'missing' });
  });

  it('restoreTo reports it corrupt, removes it, and writes no file (not even a temp)', async () => {
    const { store, hash, file, root } = corruptStore(c);
    const target = path.join(root, 'work', 'out.txt');
    expect(await store.restoreTo(hash, target)).toMatchObject({ kind: 'corrupt' });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });
});

describe('ObjectStore with a sound blob', () => {
  it('verify and restoreTo succeed and keep the blob', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const hash = store.putBytes(CONTENT);
    expect(await store.verify(hash)).toBeUndefined();
    expect(await store.restoreTo(hash, path.join(root, 'out.txt'), 0o100640)).toBeUndefined();
    expect(fs.readFileSync(path.join(root, 'out.txt'), 'utf8')).toBe(CONTENT);
    expect(fs.statSync(path.join(root, 'out.txt')).mode & 0o777).toBe(0o640);
    expect(store.has(hash)).toBe(true);
    expect(sha256(fs.readFileSync(store.pathOf(hash)))).toBe(hash);
  });

  it('a blob that is not there is missing, not corrupt', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const hash = sha256('never stored');
    expect(store.openRead(hash)).toBeUndefined();
    expect(await store.verify(hash)).toEqual({ kind: 'missing' });
    expect(await store.restoreTo(hash, path.join(root, 'out.txt'))).toEqual({ kind: 'missing' });
    expect(fs.existsSync(path.join(root, 'out.txt'))).toBe(false);
  });

  it('a reader that stops early does not remove the blob', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    for (const compress of [false, true]) {
      const hash = store.putBytes(`${compress}`.repeat(1_000_000), { compress });
      const stream = store.openRead(hash);
      for await (const _chunk of stream as NodeJS.ReadableStream) break;
      expect(store.has(hash)).toBe(true);
      expect(await store.verify(hash)).toBeUndefined();
    }
  });
});
