// The daemon's second hashing thread: hashAll with it gives exactly what
// hash() gives file by file (changed, unchanged, missing and unreadable
// files alike), records what it hashed, and the worker's sha256 is
// hashFileSync's.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFileSync } from '../../src/cache/hash-file.js';
import { ParallelHasher } from '../../src/cache/parallel-hasher.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, tempDir } from './helpers.js';

const hasher = new ParallelHasher();
afterAll(() => hasher.close());

function tree(count: number): { root: string; files: string[] } {
  const root = tempDir();
  const files = Array.from({ length: count }, (_, i) => `d${i % 7}/f${i}.txt`);
  files.forEach((file, i) => {
    put(root, file, `content ${i}\n`.repeat(1 + (i % 50) * 40));
  });
  return { root, files };
}

describe('StatCache.hashAll with a parallel hasher', () => {
  it('hashes like hash(), file by file, and remembers what the worker hashed', () => {
    const { root, files } = tree(120);
    const clock = fakeClock(Date.now() + 3_600_000);
    const withWorker = new StatCache({ root, now: clock.now, help: { hasher } });
    const plain = new StatCache({ root, now: clock.now });
    const asked = [...files, 'missing.txt', 'd0'];
    const expected = asked.map((file) => plain.hash(file));
    expect(expected.filter((h) => h !== undefined)).toHaveLength(120);
    expect(withWorker.hashAll(asked)).toEqual(expected);
    expect(withWorker.counts.hashReads).toBe(120);
    // All remembered, the worker's half too: a second pass reads nothing.
    expect(withWorker.hashAll(asked)).toEqual(expected);
    expect(withWorker.counts.hashReads).toBe(120);
    expect(withWorker.counts.hashHits).toBe(120);

    // A few changed: below the threshold for the worker, all hashed here.
    fs.appendFileSync(path.join(root, files[3] as string), 'more');
    fs.appendFileSync(path.join(root, files[40] as string), 'more');
    const again = withWorker.hashAll(files);
    expect(again[3]).toBe(hashFileSync(path.join(root, files[3] as string)));
    expect(again[40]).toBe(hashFileSync(path.join(root, files[40] as string)));
    expect(withWorker.counts.hashReads).toBe(122);
  });

  it('agrees with hashFileSync on empty, small and multi-chunk files', () => {
    const root = tempDir();
    const sizes = [0, 1, 8191, 1 << 20, (1 << 20) + 5, 3 * (1 << 20)];
    const files = sizes.flatMap((size, i) =>
      Array.from({ length: 4 }, (_, copy) => {
        const file = `s${i}-${copy}.bin`;
        fs.writeFileSync(path.join(root, file), Buffer.alloc(size, i + copy));
        return file;
      }),
    );
    const stats = new StatCache({ root, now: fakeClock(Date.now() + 3_600_000).now, help: { hasher } });
    expect(stats.hashAll(files)).toEqual(files.map((file) => hashFileSync(path.join(root, file))));
  });
});
