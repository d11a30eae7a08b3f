// Records blobs (datasets written as a stream and adopted): a new one
// replaces a corrupt blob of its name; deciding whether one is still sound
// reads it only when its stat changed since it was written or verified here;
// a reader verifies it before using it whatever its stat says.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/cache/object-store.js';
import { sha256 } from '../../src/util/hash.js';
import { setMtime, tempDir } from './helpers.js';

const CONTENT = '{"i":1}\n'.repeat(1000);
const HASH = sha256(CONTENT);
const AT = Date.UTC(2030, 0, 1);

function storeIn(root: string): ObjectStore {
  return new ObjectStore(path.join(root, 'objects'), { checksFile: path.join(root, 'blob-checks.json') });
}

/** Adopts CONTENT as a dataset writer does: a finished temp file renamed in. */
function adopt(store: ObjectStore, compress = false): void {
  const temp = store.tempPath();
  fs.writeFileSync(temp, compress ? gzipSync(CONTENT) : CONTENT);
  store.adopt(temp, HASH, compress);
}

/** Same size, other bytes: the stat changes only in its times (the caller may set the mtime back, not the ctime). */
function flipByte(file: string): void {
  const bytes = fs.readFileSync(file);
  bytes[3] = (bytes[3] ?? 0) ^ 0x01;
  fs.writeFileSync(file, bytes);
}

describe('ObjectStore.adopt', () => {
  it.each([
    ['a corrupt raw blob, by a raw one', false, false],
    ['a corrupt raw blob, by a compressed one', false, true],
    ['a corrupt compressed blob, by a raw one', true, false],
  ])('replaces %s', async (_name, wasCompressed, isCompressed) => {
    const root = tempDir();
    const store = storeIn(root);
    adopt(store, wasCompressed);
    fs.writeFileSync(store.pathOf(HASH, wasCompressed), wasCompressed ? gzipSync('other') : 'other bytes\n');

    adopt(storeIn(root), isCompressed);
    expect(fs.existsSync(store.pathOf(HASH, !isCompressed))).toBe(false);
    expect(await storeIn(root).verify(HASH)).toBeUndefined();
    expect(fs.readdirSync(path.join(root, 'objects', 'tmp'))).toEqual([]);
  });
});

describe('ObjectStore.problemOf and verifyBeforeRead', () => {
  it('a blob changed since it was written is read, found corrupt and removed', async () => {
    const root = tempDir();
    const store = storeIn(root);
    adopt(store);
    store.saveChecks();
    flipByte(store.pathOf(HASH));
    // Its mtime put back: the ctime still changed.
    setMtime(root, `objects/${HASH}`, AT);
    expect(await storeIn(root).problemOf(HASH)).toMatchObject({ kind: 'corrupt' });
    expect(store.has(HASH)).toBe(false);
    expect(await storeIn(root).problemOf(HASH)).toEqual({ kind: 'missing' });
  });

  it('a blob whose stat is as when it was verified is not read to decide; a reader still verifies it', async () => {
    const root = tempDir();
    adopt(storeIn(root));
    const file = storeIn(root).pathOf(HASH);
    // Not yet known at this stat: read, found sound, remembered.
    setMtime(root, `objects/${HASH}`, AT);
    const verifying = storeIn(root);
    expect(await verifying.problemOf(HASH)).toBeUndefined();
    verifying.saveChecks();
    const checks = JSON.parse(fs.readFileSync(path.join(root, 'blob-checks.json'), 'utf8'));
    const st = fs.statSync(file);
    expect(checks.blobs[HASH]).toEqual([st.size, st.ctimeMs, st.ino]);

    // Content changed under the same size, ctime and inode (bit rot, say: no write
    // a test can make keeps the ctime, so the check is stamped with the new stat).
    flipByte(file);
    const rotten = fs.statSync(file);
    checks.blobs[HASH] = [rotten.size, rotten.ctimeMs, rotten.ino];
    fs.writeFileSync(path.join(root, 'blob-checks.json'), JSON.stringify(checks));
    expect(await storeIn(root).problemOf(HASH)).toBeUndefined();
    expect(fs.existsSync(file)).toBe(true);
    expect(await storeIn(root).verifyBeforeRead(HASH)).toMatchObject({ kind: 'corrupt' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a reader does not read again a blob this store wrote or verified', async () => {
    const root = tempDir();
    const store = storeIn(root);
    adopt(store);
    flipByte(store.pathOf(HASH));
    // Written by this store: taken as written (the stream still checks it as it is read).
    expect(await store.verifyBeforeRead(HASH)).toBeUndefined();
    expect(await storeIn(root).verifyBeforeRead(HASH)).toMatchObject({ kind: 'corrupt' });
  });
});
