// A stage's output goes into the object store as a copy of its own: writing
// the output in place afterwards (a command's `> out`, an editor) never
// changes the stored blob, so the output can always be restored from it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import { sha256 } from '../../src/util/hash.js';
import { tempDir } from './helpers.js';

function output(root: string, text: string): { file: string; hash: string } {
  const file = path.join(root, 'out.txt');
  fs.writeFileSync(file, text);
  return { file, hash: sha256(text) };
}

describe('ObjectStore: outputs put in as copies', () => {
  it('keeps its own copy: rewriting the output in place leaves the blob as it was', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const { file, hash } = output(root, 'first\n');
    await store.putFileAsync(file, hash);
    expect(fs.statSync(store.pathOf(hash)).ino).not.toBe(fs.statSync(file).ino);
    fs.writeFileSync(file, 'rewritten in place\n');
    expect(fs.readFileSync(store.pathOf(hash), 'utf8')).toBe('first\n');
    expect(await store.verify(hash)).toBeUndefined();
    expect(await store.restoreTo(hash, file)).toBeUndefined();
    expect(fs.readFileSync(file, 'utf8')).toBe('first\n');
  });

  it('stores a symlinked output as its content', async () => {
    const root = tempDir();
    const store = new ObjectStore(path.join(root, 'objects'));
    const { file, hash } = output(root, 'target\n');
    const link = path.join(root, 'link.txt');
    fs.symlinkSync(file, link);
    await store.putFileAsync(link, hash);
    expect(fs.lstatSync(store.pathOf(hash)).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(store.pathOf(hash), 'utf8')).toBe('target\n');
  });
});
