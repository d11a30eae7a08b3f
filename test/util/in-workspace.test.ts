import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inWorkspace } from '../../src/util/fs.js';

describe('inWorkspace: a path named in a pipeline, made absolute', () => {
  it('gives what path.resolve gives, for plain and unusual roots and paths alike', () => {
    const roots = ['/tmp/ws', '/', '/a', '/tmp/ws/a.b', '/tmp/x/..', '/tmp/x/.', '/tmp//x', '/tmp/x/', '/.a/b'];
    const files = [
      'a',
      'a/b.txt',
      'data/d0001/f0001000.txt',
      './a',
      '../a',
      'a/../b',
      'a/./b',
      'a//b',
      'a/',
      '/abs/x',
      '',
      '.',
      '..',
      '.hidden',
      'a/.hidden/b',
      '...',
      'a/..b',
      'x..',
      '.a/..',
      'a/.',
      'a/..',
      'a b/ü.txt',
    ];
    for (const root of roots)
      for (const file of files) expect(inWorkspace(root, file), `${root} + ${file}`).toBe(path.resolve(root, file));
  });
});
