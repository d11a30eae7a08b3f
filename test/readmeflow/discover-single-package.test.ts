// A root package.json without workspaces (and no pnpm-workspace.yaml) is a
// single package: the root alone, even when directories below it hold
// package.json files of their own (examples, fixtures).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverWorkspace } from '../../runners/readmeflow/discover.js';
import { packages } from '../../runners/readmeflow/packages.js';
import type { PackageRecord } from '../../runners/readmeflow/types.js';
import { copyFixture, fakeContext, listFiles, tempDir } from './helpers.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('single package discovery', () => {
  it('is the root alone, with every file below it in its hash', async () => {
    dir = tempDir();
    copyFixture('layouts/single', dir);
    expect(discoverWorkspace(dir)).toEqual({ manager: 'npm', isWorkspace: false, patterns: [], packageDirs: ['.'] });
    const ctx = fakeContext({
      root: dir,
      params: { workspace: '.' },
      inputs: listFiles(dir, '.').map((f) => f.replace(/^\.\//, '')),
    });
    const records: PackageRecord[] = [];
    for await (const record of packages(ctx)) records.push(record);
    expect(records.map((r) => [r.dir, r.name, r.files, r.readme.path])).toEqual([['.', 'solo', 3, 'README.md']]);
  });

  it('fails with a clear message when the workspace has no package.json', async () => {
    dir = tempDir();
    const ctx = fakeContext({ root: dir, params: { workspace: 'nowhere' } });
    await expect(packages(ctx).next()).rejects.toThrow('nowhere/package.json does not exist');
  });
});
