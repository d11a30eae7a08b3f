// Glob expansion of `inputs`: workspace-relative, sorted, `!` excludes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlobs, isGlob } from '../../src/cache/glob.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, tempDir } from './helpers.js';

function workspace(files: string[]): { root: string; stats: StatCache } {
  const root = tempDir();
  for (const file of files) put(root, file, file);
  return { root, stats: new StatCache({ root, now: fakeClock(Date.now() + 3_600_000).now }) };
}

const TREE = [
  'src/a.ts',
  'src/b.ts',
  'src/b.js',
  'src/c.tsx',
  'src/a.test.ts',
  'src/lib/d.ts',
  'src/lib/deep/e.ts',
  'src/gen/g.ts',
  'docs/readme.md',
  'top.ts',
];

describe('expandGlobs', () => {
  it('dir/*.ext matches one directory level only', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['src/*.ts'])).toEqual(['src/a.test.ts', 'src/a.ts', 'src/b.ts']);
  });

  it('** matches at every depth, including zero', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['src/**/*.ts'])).toEqual([
      'src/a.test.ts',
      'src/a.ts',
      'src/b.ts',
      'src/gen/g.ts',
      'src/lib/d.ts',
      'src/lib/deep/e.ts',
    ]);
    expect(expandGlobs(stats, ['**/*.ts'])).toEqual([
      'src/a.test.ts',
      'src/a.ts',
      'src/b.ts',
      'src/gen/g.ts',
      'src/lib/d.ts',
      'src/lib/deep/e.ts',
      'top.ts',
    ]);
  });

  it('braces and a middle * work', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['src/*.{ts,tsx}'])).toEqual(['src/a.test.ts', 'src/a.ts', 'src/b.ts', 'src/c.tsx']);
    expect(expandGlobs(stats, ['src/*/*.ts'])).toEqual(['src/gen/g.ts', 'src/lib/d.ts']);
  });

  it('`exclude` and `!` patterns remove matches', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['src/**/*.ts'], ['**/*.test.ts', 'src/gen/**'])).toEqual([
      'src/a.ts',
      'src/b.ts',
      'src/lib/d.ts',
      'src/lib/deep/e.ts',
    ]);
    expect(expandGlobs(stats, ['src/**/*.ts', '!**/*.test.ts', '!src/lib/**'])).toEqual([
      'src/a.ts',
      'src/b.ts',
      'src/gen/g.ts',
    ]);
    expect(expandGlobs(stats, ['src/*.ts', '!src/a.ts'])).toEqual(['src/a.test.ts', 'src/b.ts']);
  });

  it('a `!` pattern written with a leading ./ excludes the same files', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['src/**/*.ts', '!./src/lib/**', '!./src/a.test.ts'])).toEqual([
      'src/a.ts',
      'src/b.ts',
      'src/gen/g.ts',
    ]);
  });

  it('several patterns: union, without duplicates, sorted', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['top.ts', 'src/lib/**/*.ts', 'src/lib/d.ts', 'docs/*.md'])).toEqual([
      'docs/readme.md',
      'src/lib/d.ts',
      'src/lib/deep/e.ts',
      'top.ts',
    ]);
  });

  it('a literal path matches itself when it is a file, nothing otherwise', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['docs/readme.md'])).toEqual(['docs/readme.md']);
    expect(expandGlobs(stats, ['docs/missing.md'])).toEqual([]);
    expect(expandGlobs(stats, ['docs'])).toEqual([]);
    expect(isGlob('docs/readme.md')).toBe(false);
    expect(isGlob('docs/*.md')).toBe(true);
  });

  it('a glob under a missing directory matches nothing', () => {
    const { stats } = workspace(TREE);
    expect(expandGlobs(stats, ['nope/**/*.ts', 'nope/*.ts'])).toEqual([]);
  });

  it('sees a file added after a first expansion (the directory listing is refreshed)', () => {
    const { root, stats } = workspace(TREE);
    expect(expandGlobs(stats, ['src/lib/**/*.ts'])).toEqual(['src/lib/d.ts', 'src/lib/deep/e.ts']);
    put(root, 'src/lib/deep/f.ts', 'f');
    fs.rmSync(path.join(root, 'src/lib/d.ts'));
    expect(expandGlobs(stats, ['src/lib/**/*.ts'])).toEqual(['src/lib/deep/e.ts', 'src/lib/deep/f.ts']);
  });
});

describe('expandGlobs and the directories it walks', () => {
  it('skips node_modules, .git and .runner in a walk', () => {
    const { stats } = workspace([
      'src/a.js',
      'node_modules/pkg/index.js',
      'src/node_modules/inner/index.js',
      '.git/hooks/x.js',
      '.runner/tmp/y.js',
    ]);
    expect(expandGlobs(stats, ['**/*.js'])).toEqual(['src/a.js']);
  });

  it('enters node_modules when a pattern names it', () => {
    const { stats } = workspace(['src/a.js', 'node_modules/pkg/index.js', 'node_modules/pkg/lib/x.js']);
    expect(expandGlobs(stats, ['node_modules/pkg/*.js'])).toEqual(['node_modules/pkg/index.js']);
    expect(expandGlobs(stats, ['node_modules/**/*.js'])).toEqual([
      'node_modules/pkg/index.js',
      'node_modules/pkg/lib/x.js',
    ]);
  });

  it('matches dotfiles and walks dot-directories like any other (only .git and .runner are skipped)', () => {
    const { stats } = workspace(['src/.hidden.ts', 'src/shown.ts', 'src/.config/c.ts', '.env']);
    expect(expandGlobs(stats, ['src/**/*.ts'])).toEqual(['src/.config/c.ts', 'src/.hidden.ts', 'src/shown.ts']);
    expect(expandGlobs(stats, ['src/*.ts'])).toEqual(['src/.hidden.ts', 'src/shown.ts']);
    expect(expandGlobs(stats, ['*'])).toEqual(['.env']);
  });

  it('follows paths outside the workspace with ../, keeping them relative', () => {
    const parent = tempDir();
    const root = path.join(parent, 'ws');
    put(parent, 'shared/one.txt', '1');
    put(parent, 'shared/sub/two.txt', '2');
    put(parent, 'shared/skip.md', 'x');
    put(root, 'local.txt', 'l');
    const stats = new StatCache({ root, now: fakeClock(Date.now() + 3_600_000).now });
    expect(expandGlobs(stats, ['../shared/*.txt'])).toEqual(['../shared/one.txt']);
    expect(expandGlobs(stats, ['../shared/**/*.txt'])).toEqual(['../shared/one.txt', '../shared/sub/two.txt']);
    expect(expandGlobs(stats, ['../shared/**/*.txt', '!../shared/sub/**'])).toEqual(['../shared/one.txt']);
    expect(expandGlobs(stats, ['../shared/one.txt'])).toEqual(['../shared/one.txt']);
    // `**` never matches `..`: an exclusion matches a file above the root by its absolute name.
    expect(expandGlobs(stats, ['../shared/**/*.txt'], ['**/sub/**'])).toEqual(['../shared/one.txt']);
    expect(stats.hash('../shared/one.txt')).toBeDefined();
  });

  it('an absolute pattern lists absolute paths; an exclusion matches a file by either of its names', () => {
    const { root, stats } = workspace(['src/a.ts', 'src/gen/g.ts', 'src/lib/d.ts']);
    expect(expandGlobs(stats, [`${root}/src/**/*.ts`])).toEqual([
      `${root}/src/a.ts`,
      `${root}/src/gen/g.ts`,
      `${root}/src/lib/d.ts`,
    ]);
    expect(expandGlobs(stats, [`${root}/src/**/*.ts`], ['src/gen/**'])).toEqual([
      `${root}/src/a.ts`,
      `${root}/src/lib/d.ts`,
    ]);
    expect(expandGlobs(stats, ['src/**/*.ts', `!${root}/src/lib/**`], [`${root}/src/gen/*.ts`])).toEqual(['src/a.ts']);
  });

  it('follows symlinks to files and to directories', () => {
    const { root, stats } = workspace(['real/a.txt', 'real/sub/b.txt']);
    fs.symlinkSync(path.join(root, 'real/a.txt'), path.join(root, 'real/link.txt'));
    fs.symlinkSync(path.join(root, 'real/sub'), path.join(root, 'linked'));
    expect(expandGlobs(stats, ['real/*.txt'])).toEqual(['real/a.txt', 'real/link.txt']);
    expect(expandGlobs(stats, ['linked/**/*.txt'])).toEqual(['linked/b.txt']);
  });

  it('does not follow a symlink back into a directory it is walking (a loop)', () => {
    const { root, stats } = workspace(['src/a.ts', 'src/sub/b.ts', 'src/x/c.ts', 'src/y/d.ts']);
    fs.symlinkSync('..', path.join(root, 'src/sub/up')); // src/sub/up -> src
    fs.symlinkSync(root, path.join(root, 'src/root')); // src/root -> the workspace
    fs.symlinkSync('../y', path.join(root, 'src/x/toY')); // x/toY -> y and y/toX -> x: a loop across two links
    fs.symlinkSync('../x', path.join(root, 'src/y/toX'));
    expect(expandGlobs(stats, ['src/**/*.ts'])).toEqual([
      'src/a.ts',
      'src/sub/b.ts',
      'src/x/c.ts',
      'src/x/toY/d.ts',
      'src/y/d.ts',
      'src/y/toX/c.ts',
    ]);
  });
});
