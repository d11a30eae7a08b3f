// A bare package import adds node_modules/<pkg>/package.json to the code
// hashes, so upgrading the dependency re-runs the stages that use it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeHashes } from '../../src/cache/code-hash.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, tempDir } from './helpers.js';

function workspace(files: Record<string, string>): { root: string; stats: () => StatCache } {
  const root = tempDir();
  for (const [name, content] of Object.entries(files)) put(root, name, content);
  const { now } = fakeClock(Date.now() + 3_600_000);
  return { root, stats: () => new StatCache({ root, now }) };
}

const pkg = (name: string, version: string): string => JSON.stringify({ name, version });

describe('codeHashes and packages', () => {
  it('adds the package.json of plain and scoped packages, and of deep imports into them', () => {
    const { stats } = workspace({
      'mods/task.ts':
        "import pc from 'picomatch';\nimport { x } from '@scope/tool/sub/path';\nimport fs from 'node:fs';\nimport os from 'os';\n",
      'node_modules/picomatch/package.json': pkg('picomatch', '4.0.0'),
      'node_modules/picomatch/index.js': 'module.exports = 1',
      'node_modules/@scope/tool/package.json': pkg('@scope/tool', '1.0.0'),
    });
    expect(codeHashes(stats(), 'mods/task.ts')).toEqual([
      [
        'mods/task.ts',
        sha256(
          "import pc from 'picomatch';\nimport { x } from '@scope/tool/sub/path';\nimport fs from 'node:fs';\nimport os from 'os';\n",
        ),
      ],
      ['node_modules/@scope/tool/package.json', sha256(pkg('@scope/tool', '1.0.0'))],
      ['node_modules/picomatch/package.json', sha256(pkg('picomatch', '4.0.0'))],
    ]);
  });

  it('changes when the package is upgraded', () => {
    const { root, stats } = workspace({
      'mods/task.ts': "import pc from 'picomatch';\n",
      'node_modules/picomatch/package.json': pkg('picomatch', '4.0.0'),
    });
    const before = codeHashes(stats(), 'mods/task.ts');
    put(root, 'node_modules/picomatch/package.json', pkg('picomatch', '4.0.1'));
    expect(codeHashes(stats(), 'mods/task.ts')).not.toEqual(before);
  });

  it('uses the nearest node_modules, looking upward from the importing module', () => {
    const { stats } = workspace({
      'apps/web/task.ts': "import 'dep';\n",
      'apps/web/node_modules/dep/package.json': pkg('dep', '2.0.0'),
      'node_modules/dep/package.json': pkg('dep', '1.0.0'),
      'tools/other.ts': "import 'dep';\n",
    });
    expect(codeHashes(stats(), 'apps/web/task.ts').map(([f]) => f)).toEqual([
      'apps/web/node_modules/dep/package.json',
      'apps/web/task.ts',
    ]);
    expect(codeHashes(stats(), 'tools/other.ts').map(([f]) => f)).toEqual([
      'node_modules/dep/package.json',
      'tools/other.ts',
    ]);
  });

  it('ignores a package that is not installed and node builtins', () => {
    const { stats } = workspace({
      'mods/task.ts': "import 'not-installed';\nimport 'node:path';\nimport 'fs/promises';\n",
    });
    expect(codeHashes(stats(), 'mods/task.ts').map(([f]) => f)).toEqual(['mods/task.ts']);
  });

  it('does not read into the package (its package.json stands for it)', () => {
    const { stats } = workspace({
      'mods/task.ts': "import 'dep';\n",
      'node_modules/dep/package.json': pkg('dep', '1.0.0'),
      'node_modules/dep/index.js': "require('./inner.js');\n",
      'node_modules/dep/inner.js': '',
    });
    expect(codeHashes(stats(), 'mods/task.ts').map(([f]) => f)).toEqual([
      'mods/task.ts',
      'node_modules/dep/package.json',
    ]);
  });

  /** A workspace package at packages/lib, linked as node_modules/@acme/lib the way npm, yarn and pnpm workspaces link it. */
  const linkedWorkspace = (files: Record<string, string>): { root: string; stats: () => StatCache } => {
    const ws = workspace(files);
    fs.mkdirSync(path.join(ws.root, 'node_modules', '@acme'), { recursive: true });
    fs.symlinkSync('../../packages/lib', path.join(ws.root, 'node_modules', '@acme', 'lib'));
    return ws;
  };

  it('follows a package linked from the workspace into the files its package.json points at, as local code', () => {
    const { root, stats } = linkedWorkspace({
      'mods/task.ts': "import { f } from '@acme/lib';\n",
      'packages/lib/package.json': JSON.stringify({ name: '@acme/lib', version: '1.0.0', main: 'src/index.js' }),
      'packages/lib/src/index.js': "export { f } from './util.js';\n",
      'packages/lib/src/util.js': 'export const f = () => 1;\n',
      'packages/lib/src/unused.js': 'export const g = 2;\n',
    });
    const before = codeHashes(stats(), 'mods/task.ts');
    expect(before.map(([f]) => f)).toEqual([
      'mods/task.ts',
      'node_modules/@acme/lib/package.json',
      'packages/lib/src/index.js',
      'packages/lib/src/util.js',
    ]);
    // Its version does not move when its code does: the code itself is in the key.
    put(root, 'packages/lib/src/util.js', 'export const f = () => 2;\n');
    expect(codeHashes(stats(), 'mods/task.ts')).not.toEqual(before);
  });

  it("takes every target of a linked package's exports, each condition's, and its deep imports", () => {
    const { stats } = linkedWorkspace({
      'mods/task.ts': "import '@acme/lib';\nimport '@acme/lib/feature';\nimport '@acme/lib/parts/a';\n",
      'packages/lib/package.json': JSON.stringify({
        name: '@acme/lib',
        exports: {
          '.': { import: './esm/index.js', require: './cjs/index.cjs' },
          './feature': './src/feature.ts',
          './parts/*': './src/parts/*.js',
        },
      }),
      'packages/lib/esm/index.js': '',
      'packages/lib/cjs/index.cjs': '',
      'packages/lib/src/feature.ts': '',
      'packages/lib/src/parts/a.js': '',
      'packages/lib/src/parts/b.js': '',
    });
    expect(codeHashes(stats(), 'mods/task.ts').map(([f]) => f)).toEqual([
      'mods/task.ts',
      'node_modules/@acme/lib/package.json',
      'packages/lib/cjs/index.cjs',
      'packages/lib/esm/index.js',
      'packages/lib/src/feature.ts',
      'packages/lib/src/parts/a.js',
    ]);
  });

  it('does not read into a package linked from within node_modules (as pnpm links what it installs)', () => {
    const { root, stats } = workspace({
      'mods/task.ts': "import 'dep';\n",
      'node_modules/.pnpm/dep@1.0.0/node_modules/dep/package.json': pkg('dep', '1.0.0'),
      'node_modules/.pnpm/dep@1.0.0/node_modules/dep/index.js': '',
    });
    fs.symlinkSync('.pnpm/dep@1.0.0/node_modules/dep', path.join(root, 'node_modules', 'dep'));
    expect(codeHashes(stats(), 'mods/task.ts').map(([f]) => f)).toEqual([
      'mods/task.ts',
      'node_modules/dep/package.json',
    ]);
  });
});
