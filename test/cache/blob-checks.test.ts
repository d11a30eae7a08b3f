// The blob checks file leaves out the blobs no longer stored once it has
// grown by half since it last did, not at every save (looking for every
// blob cost a run 15-20 ms at 2,000 blobs); a stamp of a blob gone vouches
// for nothing meanwhile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobChecks } from '../../src/cache/blob-checks.js';
import { fileStatOf } from '../../src/cache/raw-lstat.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blob-checks-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const checksFile = (): string => path.join(dir, 'blob-checks.json');
const saved = (): string[] => Object.keys(JSON.parse(fs.readFileSync(checksFile(), 'utf8')).blobs).sort();
const names = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `h${from + i}`);

function remember(checks: BlobChecks, hashes: string[]): void {
  for (const hash of hashes) {
    fs.writeFileSync(path.join(dir, hash), hash);
    checks.remember(hash, path.join(dir, hash));
  }
}

describe('BlobChecks.save', () => {
  it('leaves out blobs no longer stored once the file has grown by half since it last did', () => {
    const first = new BlobChecks(checksFile());
    remember(first, names(0, 10));
    first.save(() => true);
    expect(saved()).toEqual(names(0, 10).sort());

    // h0-h9 are gone; 14 blobs are under half again as many as the 10 last swept.
    const second = new BlobChecks(checksFile());
    remember(second, names(10, 14));
    second.save((hash) => !names(0, 10).includes(hash));
    expect(saved()).toEqual(names(0, 14).sort());

    const third = new BlobChecks(checksFile());
    remember(third, names(14, 15));
    third.save((hash) => !names(0, 10).includes(hash));
    expect(saved()).toEqual(names(10, 15).sort());
  });

  it('a stamp of a blob removed vouches for nothing, not for one stored again under its name', () => {
    const checks = new BlobChecks(checksFile());
    remember(checks, ['h0']);
    checks.save(() => true);
    const file = path.join(dir, 'h0');
    const before = fileStatOf(fs.statSync(file));
    fs.rmSync(file);
    // Another file takes the inode first, so the blob stored again cannot.
    fs.writeFileSync(path.join(dir, 'other'), 'x');
    fs.writeFileSync(file, 'h0');
    const again = fileStatOf(fs.statSync(file));
    const loaded = new BlobChecks(checksFile());
    expect(loaded.isSound('h0', before)).toBe(true);
    expect(loaded.isSound('h0', again)).toBe(false);
  });
});
