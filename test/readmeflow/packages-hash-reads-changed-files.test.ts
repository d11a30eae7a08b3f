// The packages stage hashes every file of every package, but reads only the
// ones whose size, mtime or inode changed since it last ran (its memo); and
// an edit changes the hash of the package that holds the file, no other.
// Markdown is outside the hash: writing a README never makes its package
// look edited.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packages } from '../../runners/readmeflow/packages.js';
import type { PackageRecord } from '../../runners/readmeflow/types.js';
import { copyFixture, fakeContext, listFiles, tempDir } from './helpers.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function run(root: string, memo: Map<string, unknown>): Promise<{ hashes: Record<string, string>; log: string }> {
  const ctx = fakeContext({ root, params: { workspace: 'ws' }, inputs: listFiles(root, 'ws'), memo });
  const records: PackageRecord[] = [];
  for await (const record of packages(ctx)) records.push(record);
  return { hashes: Object.fromEntries(records.map((r) => [r.name, r.hash])), log: ctx.logs.join('\n') };
}

/** Files written within the last two seconds are never memoised (racy); age them all. */
function age(root: string, seconds: number): void {
  const when = new Date(Date.now() - seconds * 1000);
  for (const file of listFiles(root, 'ws')) fs.utimesSync(path.join(root, file), when, when);
}

describe('package hashes', () => {
  it('read only changed files and change only the edited package', async () => {
    dir = tempDir();
    copyFixture('workspace', path.join(dir, 'ws'));
    age(dir, 3600);
    const memo = new Map<string, unknown>();
    const first = await run(dir, memo);
    expect(first.log).toContain('3 packages in ws, a npm workspace (packages/*); 7 files hashed, 7 read');
    const second = await run(dir, memo);
    expect(second.log).toContain('7 files hashed, 0 read');
    expect(second.hashes).toEqual(first.hashes);

    fs.appendFileSync(path.join(dir, 'ws/packages/beta/README.md'), '\nMore notes.\n');
    fs.appendFileSync(path.join(dir, 'ws/packages/beta/src/index.ts'), '\nexport const LOUD = true;\n');
    age(dir, 1800);
    const third = await run(dir, memo);
    expect(third.log).toContain('7 files hashed, 7 read');
    const fourth = await run(dir, memo);
    expect(fourth.log).toContain('7 files hashed, 0 read');
    expect(third.hashes).toEqual({
      ...first.hashes,
      '@fx/beta': expect.not.stringMatching(first.hashes['@fx/beta'] ?? ''),
    });
  });
});
