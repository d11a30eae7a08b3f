// Blocks of files cut where their paths say (fileBlockSize): every block holds
// at least half of batchSize files and at most batchSize, the same list is
// always cut the same, and a file added or removed anywhere changes a few
// blocks, never all the blocks after it.
import { describe, expect, it } from 'vitest';
import { fileBlockSize } from '../../src/engine/map/item-source.js';
import { mulberry32 } from '../../runners/lib/random.js';

function blocksOf(files: readonly string[], size: number): string[][] {
  const blocks: string[][] = [];
  for (let first = 0; first < files.length; ) {
    const count = fileBlockSize(files, size, first);
    blocks.push(files.slice(first, first + count));
    first += count;
  }
  return blocks;
}

const FILES = Array.from(
  { length: 20_000 },
  (_, i) => `data/d${String(Math.floor(i / 1000)).padStart(3, '0')}/f${i}.txt`,
).sort();

describe('blocks of files', () => {
  it('hold between half of batchSize and batchSize files, the same ones on every run', () => {
    for (const size of [1, 2, 3, 16, 64, 500]) {
      const blocks = blocksOf(FILES, size);
      expect(blocks.flat()).toEqual(FILES);
      for (const block of blocks.slice(0, -1)) {
        expect(block.length).toBeLessThanOrEqual(size);
        expect(block.length).toBeGreaterThanOrEqual(Math.ceil(size / 2));
      }
      expect(blocksOf(FILES, size)).toEqual(blocks);
      // Most blocks end by their paths, not at batchSize: blocks average well under it (size 1 and 2 aside).
      if (size >= 16) expect(FILES.length / blocks.length).toBeLessThan(0.9 * size);
    }
  });

  it('change in a few places when files are added or removed, wherever they are', () => {
    const random = mulberry32(14);
    for (const size of [16, 64, 500]) {
      let changedBlocks = 0;
      const trials = 40;
      for (let trial = 0; trial < trials; trial++) {
        const at = Math.floor(random() * FILES.length);
        const isAdded = random() < 0.5;
        const files = isAdded
          ? [...FILES.slice(0, at), `${FILES[at]}.new`, ...FILES.slice(at)]
          : [...FILES.slice(0, at), ...FILES.slice(at + 1)];
        const before = new Set(blocksOf(FILES, size).map((block) => block.join('\n')));
        const after = blocksOf(files, size);
        const changed = after.filter((block) => !before.has(block.join('\n'))).length;
        expect(changed).toBeLessThan(20);
        changedBlocks += changed;
      }
      // About two on average; fixed blocks of `size` would change every block after the file, half of them on average.
      expect(changedBlocks / trials).toBeLessThan(3.5);
    }
  });
});
