// hashFileSync: the sha256 of the whole file whatever its size, and whatever
// size a stat made a moment before said (the file may have changed since).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFileSync } from '../../src/cache/hash-file.js';
import { tempDir } from './helpers.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('hashFileSync', () => {
  it('hashes empty, small and multi-chunk files whole', () => {
    const dir = tempDir();
    for (const size of [0, 1, 8191, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17]) {
      const data = Buffer.alloc(size, 0);
      for (let i = 0; i < size; i += 997) data[i] = i % 251;
      const file = path.join(dir, `f${size}`);
      fs.writeFileSync(file, data);
      expect(hashFileSync(file), `${size} bytes`).toBe(sha256(data));
      expect(hashFileSync(file, size), `${size} bytes, size known`).toBe(sha256(data));
    }
  });

  it('reads to the end when the file is not the size it was said to be', () => {
    const dir = tempDir();
    const file = path.join(dir, 'grew');
    const data = Buffer.from('a line that grew after it was stat-ed\n'.repeat(40));
    fs.writeFileSync(file, data);
    expect(hashFileSync(file, 10)).toBe(sha256(data));
    expect(hashFileSync(file, data.length + 100)).toBe(sha256(data));
  });
});
