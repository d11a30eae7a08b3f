// A bare package import adds node_modules/<pkg>/package.json to the code
// hashes, so upgrading the dependency re-runs the stages that use it.
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
});
