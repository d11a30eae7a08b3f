// Blobs are written to a temp file in the store's tmp directory (named for
// the writing process, so what a kill leaves is swept) and renamed into
// place, so a crash never leaves a half blob under its final name.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import { sha256 } from '../../src/util/hash.js';
import { put, tempDir } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

describe('ObjectStore puts', () => {
  it('names a blob by the sha256 of its bytes, under ab/cdef...', () => {
    const store = new ObjectStore(tempDir());
    const hash = store.putBytes('hello');
    expect(hash).toBe(sha256('hello'));
    expect(store.pathOf(hash)).toBe(path.join(store.dir, hash));
    expect(fs.readFileSync(store.pathOf(hash), 'utf8')).toBe('hello');
    expect(store.has(hash)).toBe(true);
  });

  it("writes bytes and files only to a .tmp path in the store's tmp directory, then renames", async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const source = put(root, 'out.bin', 'file content');
    const writes: string[] = [];
    const renames: [string, string][] = [];
    const writeFileSync = fs.writeFileSync;
    const copyFile = fs.promises.copyFile;
    const renameSync = fs.renameSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation((file, ...rest) => {
      writes.push(String(file));
      return writeFileSync(file, ...(rest as [string]));
    });
    vi.spyOn(fs.promises, 'copyFile').mockImplementation((from, to, mode) => {
      writes.push(String(to));
      return copyFile(from, to, mode);
    });
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      renames.push([String(from), String(to)]);
      return renameSync(from, to);
    });

    const a = store.putBytes('bytes content');
    const b = store.putBytes('zipped content', { compress: true });
    const c = await store.putFileAsync(source, sha256('file content'));
    const finals = [store.pathOf(a), store.pathOf(b, true), store.pathOf(c)];
    expect(writes).toHaveLength(3);
    for (const written of writes) expect(written).toMatch(/\.tmp$/);
    expect(renames.map(([, to]) => to)).toEqual(finals);
    for (const [from] of renames) {
      expect(path.dirname(from)).toBe(path.join(store.dir, 'tmp'));
      expect(path.basename(from)).toMatch(new RegExp(`^${process.pid}-`));
    }
    expect(listFiles(store.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves neither a temp file nor a blob when the write fails', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const source = put(root, 'out.bin', 'data');
    const hash = sha256('data');
    vi.spyOn(fs, 'renameSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    await expect(store.putFileAsync(source, hash)).rejects.toThrow(/ENOSPC/);
    expect(() => store.putBytes('other')).toThrow(/ENOSPC/);
    vi.restoreAllMocks();
    expect(store.has(hash)).toBe(false);
    expect(listFiles(store.dir)).toEqual([]);
  });

  it('does not rewrite a blob it already has', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const hash = store.putBytes('same');
    const source = put(root, 'same.txt', 'same');
    const copy = vi.spyOn(fs.promises, 'copyFile');
    const write = vi.spyOn(fs, 'writeFileSync');
    expect(store.putBytes('same')).toBe(hash);
    expect(await store.putFileAsync(source, hash)).toBe(hash);
    expect(copy).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
  });

  it('replaces a stored blob whose size is wrong (a broken earlier copy) when the file is put again', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const source = put(root, 'out.txt', 'complete content');
    const hash = await store.putFileAsync(source, sha256('complete content'));
    fs.writeFileSync(store.pathOf(hash), 'compl'); // truncated
    expect(await store.putFileAsync(source, hash)).toBe(hash);
    expect(fs.readFileSync(store.pathOf(hash), 'utf8')).toBe('complete content');
  });

  it('adopts a finished temp file under its hash, and drops it when the blob exists', () => {
    const store = new ObjectStore(tempDir());
    const temp = store.tempPath();
    fs.writeFileSync(temp, 'streamed');
    store.adopt(temp, sha256('streamed'));
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.readFileSync(store.pathOf(sha256('streamed')), 'utf8')).toBe('streamed');
    const again = store.tempPath();
    fs.writeFileSync(again, 'streamed');
    store.adopt(again, sha256('streamed'));
    expect(fs.existsSync(again)).toBe(false);
  });
});
