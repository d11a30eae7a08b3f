// The code part of a key: the `run` module and every local module it
// imports, transitively: every file a relative import could resolve to.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeHashes } from '../../src/cache/code-hash.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, tempDir } from './helpers.js';

function stage(files: Record<string, string>): { root: string; stats: () => StatCache; file: string } {
  const root = tempDir();
  for (const [name, content] of Object.entries(files)) put(root, name, content);
  const file = path.join(root, '.runner', 'stat-cache.bin');
  const { now } = fakeClock(Date.now() + 3_600_000);
  return { root, file, stats: () => new StatCache({ root, file, now }) };
}

const files = {
  'mods/task.ts':
    "import { helper } from './helper.js';\nimport type { T } from '../lib/types.js';\nexport const task = () => helper();\n",
  'mods/helper.ts':
    "import { util } from '../lib/util';\nimport data from './data.json';\nimport fs from 'node:fs';\nimport path from 'path';\nexport const helper = () => util(data);\n",
  'lib/util.ts': "export { more } from './more.mjs';\nexport const util = (x: unknown) => x;\n",
  'lib/more.mts': 'export const more = 1;\n',
  'lib/types.ts': 'export type T = number;\n',
  'mods/data.json': '{"a":1}\n',
  'mods/unrelated.ts': 'export const nobody = 1;\n',
};

describe('codeHashes', () => {
  it('lists the module and its local imports, transitively, sorted, with content hashes', () => {
    const { stats } = stage(files);
    expect(codeHashes(stats(), 'mods/task.ts')).toEqual(
      ['lib/more.mts', 'lib/types.ts', 'lib/util.ts', 'mods/data.json', 'mods/helper.ts', 'mods/task.ts'].map((f) => [
        f,
        sha256(files[f as keyof typeof files]),
      ]),
    );
  });

  it('resolves a .js specifier to the .ts file, .mjs to .mts, and a bare directory to its index', () => {
    const { stats } = stage({
      'a.ts':
        "import './b.js';\nimport './c.mjs';\nimport './dir';\nconst lazy = () => import('./lazy.js');\nrequire('./req.cjs');\n",
      'b.ts': '',
      'c.mts': '',
      'dir/index.ts': '',
      'lazy.tsx': '',
      'req.cts': '',
    });
    expect(codeHashes(stats(), 'a.ts').map(([f]) => f)).toEqual([
      'a.ts',
      'b.ts',
      'c.mts',
      'dir/index.ts',
      'lazy.tsx',
      'req.cts',
    ]);
  });

  it('counts a .js file and a .ts file of the same stem both: resolvers differ on which one loads', () => {
    const files = { 'a.ts': "import './b.js';\nimport './c';\n", 'b.js': 'js', 'b.ts': 'ts' };
    const { stats } = stage({ ...files, 'c/index.ts': 'ts', 'c/index.tsx': 'tsx' });
    expect(codeHashes(stats(), 'a.ts').map(([f]) => f)).toEqual(['a.ts', 'b.js', 'b.ts', 'c/index.ts', 'c/index.tsx']);
  });

  it('changes when a transitively imported module changes, not when an unrelated one does', () => {
    const { root, stats } = stage(files);
    const before = codeHashes(stats(), 'mods/task.ts');
    put(root, 'mods/unrelated.ts', 'export const nobody = 2;\n');
    expect(codeHashes(stats(), 'mods/task.ts')).toEqual(before);
    put(root, 'lib/more.mts', 'export const more = 2;\n');
    const after = codeHashes(stats(), 'mods/task.ts');
    expect(after).not.toEqual(before);
    expect(after.find(([f]) => f === 'lib/more.mts')?.[1]).toBe(sha256('export const more = 2;\n'));
  });

  it('follows a newly added import', () => {
    const { root, stats } = stage(files);
    put(root, 'mods/task.ts', `${files['mods/task.ts']}import './unrelated.js';\n`);
    expect(codeHashes(stats(), 'mods/task.ts').map(([f]) => f)).toContain('mods/unrelated.ts');
  });

  it('terminates on import cycles', () => {
    const { stats } = stage({ 'a.ts': "import './b.js';\n", 'b.ts': "import './a.js';\nimport './b.js';\n" });
    expect(codeHashes(stats(), 'a.ts').map(([f]) => f)).toEqual(['a.ts', 'b.ts']);
  });

  it('records a missing run module as missing', () => {
    const { stats } = stage({});
    expect(codeHashes(stats(), 'mods/none.ts')).toEqual([['mods/none.ts', 'missing']]);
  });

  it('reads no source file on a rerun: the import lists are memoised by content hash', () => {
    const { stats } = stage(files);
    const first = stats();
    const expected = codeHashes(first, 'mods/task.ts');
    first.save();
    const second = stats();
    expect(codeHashes(second, 'mods/task.ts')).toEqual(expected);
    expect(second.counts.hashReads).toBe(0);
  });

  it('sees a candidate added to a directory whose listing an earlier run memoised, and lists no directory again when none changed', () => {
    const { root, stats } = stage({ 'a.ts': "import './b.js';\nimport './c';\n", 'b.js': 'js', 'c/index.ts': 'ts' });
    // As in a workspace that has run before: saving the cache does not add .runner to the root's listing.
    fs.mkdirSync(path.join(root, '.runner'));
    const first = stats();
    expect(codeHashes(first, 'a.ts').map(([f]) => f)).toEqual(['a.ts', 'b.js', 'c/index.ts']);
    first.save();
    const unchanged = stats();
    expect(codeHashes(unchanged, 'a.ts').map(([f]) => f)).toEqual(['a.ts', 'b.js', 'c/index.ts']);
    expect(unchanged.counts.dirReads).toBe(0);
    put(root, 'b.ts', 'ts');
    put(root, 'c/index.tsx', 'tsx');
    expect(codeHashes(stats(), 'a.ts').map(([f]) => f)).toEqual(['a.ts', 'b.js', 'b.ts', 'c/index.ts', 'c/index.tsx']);
  });

  it('counts a symlinked candidate by what it leads to: a file is code, a directory or nothing is not', () => {
    const { root, stats } = stage({
      'a.ts': "import './b.js';\nimport './c.js';\nimport './d.js';\n",
      'real/b.ts': 'b',
    });
    fs.mkdirSync(path.join(root, 'real/dir'));
    fs.symlinkSync(path.join(root, 'real/b.ts'), path.join(root, 'b.ts'));
    fs.symlinkSync(path.join(root, 'real/dir'), path.join(root, 'c.ts'));
    fs.symlinkSync(path.join(root, 'real/gone.ts'), path.join(root, 'd.ts'));
    expect(codeHashes(stats(), 'a.ts')).toEqual([
      ['a.ts', sha256("import './b.js';\nimport './c.js';\nimport './d.js';\n")],
      ['b.ts', sha256('b')],
    ]);
  });
});
