// pnpm: pnpm-workspace.yaml's `packages` list wins over package.json
// `workspaces`; `**` reaches nested directories and `!pattern` excludes.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverLayout, discoverWorkspace } from '../../runners/readmeflow/discover.js';
import { copyFixture, tempDir } from './helpers.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('pnpm workspace discovery', () => {
  it('reads pnpm-workspace.yaml, nested globs and exclusions', () => {
    dir = tempDir();
    copyFixture('layouts/pnpm', dir);
    fs.mkdirSync(path.join(dir, 'packages/a/node_modules/.pnpm/dep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'packages/a/node_modules/.pnpm/dep/package.json'), '{ "name": "dep" }');
    const layout = discoverWorkspace(dir);
    expect(layout).toEqual({
      manager: 'pnpm',
      isWorkspace: true,
      patterns: ['packages/**', '!packages/internal/**'],
      packageDirs: ['packages/a', 'packages/group/b'],
    });
  });

  it('takes the manager from packageManager before any file', () => {
    const layout = discoverLayout({
      rootManifest: { packageManager: 'yarn@4.1.0', workspaces: ['apps/*'] },
      rootFiles: ['pnpm-lock.yaml'],
      manifestDirs: ['.', 'apps/web', 'apps/api', 'tools/x'],
    });
    expect(layout).toEqual({
      manager: 'yarn',
      isWorkspace: true,
      patterns: ['apps/*'],
      packageDirs: ['apps/api', 'apps/web'],
    });
  });

  it('reports a broken pnpm-workspace.yaml by name', () => {
    expect(() =>
      discoverLayout({ rootManifest: {}, pnpmWorkspace: 'packages: [a\n  - b: c', rootFiles: [], manifestDirs: ['.'] }),
    ).toThrow(/^pnpm-workspace\.yaml: /);
  });
});
