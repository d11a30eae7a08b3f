// A pattern's matcher tests picomatch's regular expression itself instead
// of calling picomatch's matcher (which makes a result object and a match
// array for every path): it answers as picomatch(pattern, { dot: true })
// does, for every pattern and path here.
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { matchesGlobs } from '../../src/cache/glob.js';

const PATTERNS = [
  '**/*.ts',
  'src/**/*.{ts,tsx}',
  '*.md',
  'docs/*.md',
  'a/**/b/*.txt',
  '**/.*',
  '.hidden/**',
  'dir/[ab]*.json',
  'data/**',
  '**',
  'src/**/test/**/*.test.ts',
  'x/?.txt',
  '**/node_modules/**',
  'lib/!(skip)*.js',
  'a b/*.txt',
];

const PATHS = [
  '',
  'a.ts',
  'src/a.ts',
  'src/deep/er/a.tsx',
  'src/a.ts.bak',
  'README.md',
  'docs/x.md',
  'docs/sub/x.md',
  'a/b/c.txt',
  'a/x/y/b/c.txt',
  'a/b/c/d.txt',
  '.env',
  'sub/.env',
  '.hidden/file',
  '.hidden',
  'dir/alpha.json',
  'dir/beta.json',
  'dir/gamma.json',
  'data/d0001/f0000001.txt',
  'data',
  'src/x/test/y/z.test.ts',
  'x/a.txt',
  'x/ab.txt',
  'pkg/node_modules/m/i.js',
  'lib/skip.js',
  'lib/keep.js',
  'a b/c.txt',
  'src/../x.ts',
  './src/a.ts',
];

describe('a glob pattern matcher', () => {
  it('answers as picomatch with dot: true for every pattern and path', () => {
    for (const pattern of PATTERNS) {
      const reference = picomatch(pattern, { dot: true });
      for (const file of PATHS) {
        expect([pattern, file, matchesGlobs(file, [pattern])]).toEqual([pattern, file, reference(file)]);
      }
    }
  });
});
