// yarn: the classic `workspaces: { packages, nohoist }` object form, and a
// yarn.lock (or .yarnrc.yml) to tell yarn from npm.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverLayout, discoverWorkspace } from '../../runners/readmeflow/discover.js';
import { copyFixture, tempDir } from './helpers.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('yarn workspace discovery', () => {
  it('reads workspaces.packages and detects yarn from yarn.lock', () => {
    dir = tempDir();
    copyFixture('layouts/yarn', dir);
    expect(discoverWorkspace(dir)).toEqual({
      manager: 'yarn',
      isWorkspace: true,
      patterns: ['libs/*'],
      packageDirs: ['libs/x', 'libs/y'],
    });
  });

  it('detects yarn berry from .yarnrc.yml', () => {
    const layout = discoverLayout({
      rootManifest: { workspaces: ['libs/*'] },
      rootFiles: ['.yarnrc.yml'],
      manifestDirs: ['libs/x'],
    });
    expect(layout.manager).toBe('yarn');
  });
});
