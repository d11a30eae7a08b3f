// A sorted list of paths as runs of one directory each: a directory's own
// files may come in several runs (its subdirectories' sort between them),
// and each path falls in the run of its own directory.
import { describe, expect, it } from 'vitest';
import { directoriesOf, dirRunsOf } from '../../src/util/sorted.js';

const PATHS = ['/abs/x.txt', '/top.txt', 'a.txt', 'd/a.txt', 'd/e/f.txt', 'd/e/g.txt', 'd/z.txt', 'z.txt'];

describe('dirRunsOf', () => {
  it('gives each run its directory, and each path its own directory', () => {
    const { dirs, starts } = dirRunsOf(PATHS);
    expect(dirs).toEqual(['/abs', '/', '', 'd', 'd/e', 'd', '']);
    expect([...starts]).toEqual([0, 1, 2, 3, 4, 6, 7, 8]);
    PATHS.forEach((file, i) => {
      const run = [...starts].findIndex((start, r) => start <= i && i < (starts[r + 1] as number));
      const slash = file.lastIndexOf('/');
      expect(dirs[run]).toBe(slash === -1 ? '' : slash === 0 ? '/' : file.slice(0, slash));
    });
  });

  it('lists each directory once, absolute under the root', () => {
    expect(directoriesOf(PATHS, '/ws').sort()).toEqual(['/', '/abs', '/ws', '/ws/d', '/ws/d/e']);
    expect(dirRunsOf([])).toEqual({ dirs: [], starts: Int32Array.from([0]) });
  });
});
