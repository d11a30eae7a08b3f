// A stage's output goes into the object store as a hard link (no copy, no
// new inode); before the stage runs again, detach() gives the output a
// private copy, so a command rewriting it in place leaves the blob intact.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import { sha256 } from '../../src/util/hash.js';
import { tempDir } from './helpers.js';

function output(root: string, text: string): { file: string; hash: string } {
  const file = path.join(root, 'out.txt');
  fs.writeFileSync(file, text);
  fs.chmodSync(file, 0o640);
  return { file, hash: sha256(text) };
}

describe('ObjectStore: outputs put in as hard links', () => {
  it('links a regular file into the store: one inode, no copy', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const { file, hash } = output(root, 'first\n');
    await store.putFileAsync(file, hash);
    expect(fs.statSync(store.pathOf(hash)).ino).toBe(fs.statSync(file).ino);
    expect(fs.statSync(file).nlink).toBe(2);
    expect(store.isLinkedTo(hash, file)).toBe(true);
  });

  it('detach: the output gets a private copy, same content, mode and mtime, and writing it in place leaves the blob', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const { file, hash } = output(root, 'first\n');
    const old = new Date('2024-01-02T03:04:05Z');
    fs.utimesSync(file, old, old);
    await store.putFileAsync(file, hash);
    store.detach(file);
    const st = fs.statSync(file);
    expect(st.nlink).toBe(1);
    expect(store.isLinkedTo(hash, file)).toBe(false);
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.mtimeMs).toBe(old.getTime());
    expect(fs.readFileSync(file, 'utf8')).toBe('first\n');
    fs.writeFileSync(file, 'rewritten in place\n');
    expect(fs.readFileSync(store.pathOf(hash), 'utf8')).toBe('first\n');
    expect(await store.verify(hash)).toBeUndefined();
  });

  it('detach leaves alone a file with one link, and a missing file', () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const { file } = output(root, 'alone\n');
    const ino = fs.statSync(file).ino;
    store.detach(file);
    expect(fs.statSync(file).ino).toBe(ino);
    expect(() => store.detach(path.join(root, 'missing.txt'))).not.toThrow();
  });

  it('copies what it cannot link: a symlinked output is stored as its content', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const { file, hash } = output(root, 'target\n');
    const link = path.join(root, 'link.txt');
    fs.symlinkSync(file, link);
    await store.putFileAsync(link, hash);
    expect(fs.lstatSync(store.pathOf(hash)).isSymbolicLink()).toBe(false);
    expect(fs.statSync(store.pathOf(hash)).ino).not.toBe(fs.statSync(file).ino);
    expect(fs.readFileSync(store.pathOf(hash), 'utf8')).toBe('target\n');
  });
});
