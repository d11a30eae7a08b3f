// npm workspaces: the `workspaces` list of the root package.json names the
// package directories (globs and plain paths, `./` and trailing `/` allowed);
// directories without a package.json, packages the patterns do not name, the
// root itself and anything under node_modules are not packages.
import fs from 'node:fs';
import path from 'node:path';
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

describe('npm workspace discovery', () => {
  it('finds the packages the workspaces patterns name', () => {
    dir = tempDir();
    copyFixture('layouts/npm', dir);
    fs.mkdirSync(path.join(dir, 'packages/a/node_modules/dep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'packages/a/node_modules/dep/package.json'), '{ "name": "dep" }');
    const layout = discoverWorkspace(dir);
    expect(layout).toEqual({
      manager: 'npm',
      isWorkspace: true,
      patterns: ['packages/*', './tools/cli/'],
      packageDirs: ['packages/a', 'packages/b', 'tools/cli'],
    });
  });

  it('emits one record per package with its view of the workspace graph', async () => {
    dir = tempDir();
    copyFixture('layouts/npm', path.join(dir, 'ws'));
    const ctx = fakeContext({ root: dir, params: { workspace: 'ws' }, inputs: listFiles(dir, 'ws') });
    const records: PackageRecord[] = [];
    for await (const record of packages(ctx)) records.push(record);
    expect(records.map((r) => [r.dir, r.name, r.manager, r.isWorkspace])).toEqual([
      ['ws/packages/a', '@npm/a', 'npm', true],
      ['ws/packages/b', '@npm/b', 'npm', true],
      ['ws/tools/cli', 'npm-cli', 'npm', true],
    ]);
    const b = records[1];
    expect(b?.workspace.dependencies).toEqual([{ name: '@npm/a', dir: 'ws/packages/a', isDev: false }]);
    expect(b?.workspace.dependents).toEqual([{ name: 'npm-cli', dir: 'ws/tools/cli' }]);
    expect(b?.workspace.graph.edges).toEqual([
      { from: '@npm/b', to: '@npm/a', isDev: false },
      { from: 'npm-cli', to: '@npm/b', isDev: true },
    ]);
    expect(records.map((r) => r.readme)).toEqual([
      expect.objectContaining({ path: 'ws/packages/a/README.md', stamp: expect.stringMatching(/^absent:/) }),
      expect.objectContaining({ path: 'ws/packages/b/README.md' }),
      expect.objectContaining({ path: 'ws/tools/cli/README.md' }),
    ]);
  });
});
