// A glob's files kept beside the stat cache (.runner/globs/): reused while
// every directory its walk listed is unchanged, found again otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlobs } from '../../src/cache/glob.js';
import { listIdentity } from '../../src/cache/list-identity.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { sha256 } from '../../src/util/hash.js';
import { fakeClock, put, tempDir } from './helpers.js';

const TREE = ['src/a.ts', 'src/b.js', 'src/lib/c.ts', 'src/lib/deep/d.ts', 'src/gen/g.ts', 'docs/x.md', 'top.ts'];

function workspace(files: string[] = TREE): { root: string; stats: () => StatCache; memos: () => string[] } {
  const root = tempDir();
  for (const file of files) put(root, file, file);
  const file = path.join(root, '.runner', 'stat-cache.bin');
  fs.mkdirSync(path.dirname(file));
  // Past every mtime the test makes: no directory is too recent to trust.
  const { now } = fakeClock(Date.now() + 3_600_000);
  const globs = path.join(root, '.runner', 'globs');
  return {
    root,
    stats: () => new StatCache({ root, file, now }),
    memos: () => (fs.existsSync(globs) ? fs.readdirSync(globs) : []),
  };
}

/** expandGlobs with a new cache, as a new run would, and whether it listed any directory (no: the memo answered). */
function expand(
  stats: StatCache,
  patterns: string[],
  exclude?: string[],
): { files: readonly string[]; isWalked: boolean } {
  const files = expandGlobs(stats, patterns, exclude);
  return { files, isWalked: stats.counts.dirHits + stats.counts.dirReads > 0 };
}

describe('the glob memo', () => {
  it('answers the same patterns again without listing a directory, with exclusions too', () => {
    const ws = workspace();
    const patterns = ['src/**/*.ts', '!src/gen/**', '*.ts'];
    const first = expand(ws.stats(), patterns, ['**/deep/**']);
    expect(first).toEqual({ files: ['src/a.ts', 'src/lib/c.ts', 'top.ts'], isWalked: true });
    expect(ws.memos()).toHaveLength(1);
    expect(expand(ws.stats(), patterns, ['**/deep/**'])).toEqual({ files: first.files, isWalked: false });
    // Other patterns, or other exclusions, are another query.
    expect(expand(ws.stats(), patterns)).toEqual({
      files: ['src/a.ts', 'src/lib/c.ts', 'src/lib/deep/d.ts', 'top.ts'],
      isWalked: true,
    });
  });

  it('gives the same array back while the memo is unchanged (a daemon run after run), a new one once it changed', () => {
    const ws = workspace();
    expand(ws.stats(), ['src/**/*.ts']);
    const first = expand(ws.stats(), ['src/**/*.ts']);
    const second = expand(ws.stats(), ['src/**/*.ts']);
    expect(second).toEqual({ files: first.files, isWalked: false });
    expect(second.files).toBe(first.files);
    put(ws.root, 'src/lib/e.ts', 'e');
    expand(ws.stats(), ['src/**/*.ts']);
    const after = expand(ws.stats(), ['src/**/*.ts']);
    expect(after.isWalked).toBe(false);
    expect(after.files).not.toBe(first.files);
    expect(after.files).toEqual(['src/a.ts', 'src/gen/g.ts', 'src/lib/c.ts', 'src/lib/deep/d.ts', 'src/lib/e.ts']);
  });

  it('walks again when a file is added, removed or renamed in any directory the walk listed', () => {
    const ws = workspace();
    expand(ws.stats(), ['src/**/*.ts']);
    put(ws.root, 'src/lib/deep/e.ts', 'e');
    expect(expand(ws.stats(), ['src/**/*.ts'])).toEqual({
      files: ['src/a.ts', 'src/gen/g.ts', 'src/lib/c.ts', 'src/lib/deep/d.ts', 'src/lib/deep/e.ts'],
      isWalked: true,
    });
    fs.rmSync(path.join(ws.root, 'src/gen/g.ts'));
    expect(expand(ws.stats(), ['src/**/*.ts']).files).toEqual([
      'src/a.ts',
      'src/lib/c.ts',
      'src/lib/deep/d.ts',
      'src/lib/deep/e.ts',
    ]);
    fs.renameSync(path.join(ws.root, 'src/a.ts'), path.join(ws.root, 'src/a.js'));
    expect(expand(ws.stats(), ['src/**/*.ts']).files).toEqual([
      'src/lib/c.ts',
      'src/lib/deep/d.ts',
      'src/lib/deep/e.ts',
    ]);
    expect(expand(ws.stats(), ['src/**/*.ts']).isWalked).toBe(false);
  });

  it('sees a base directory that was missing appear, and one that was there go', () => {
    const ws = workspace();
    expect(expand(ws.stats(), ['gen/**/*.txt']).files).toEqual([]);
    expect(expand(ws.stats(), ['gen/**/*.txt']).isWalked).toBe(false);
    put(ws.root, 'gen/out/a.txt', 'a');
    expect(expand(ws.stats(), ['gen/**/*.txt']).files).toEqual(['gen/out/a.txt']);
    fs.rmSync(path.join(ws.root, 'gen'), { recursive: true });
    expect(expand(ws.stats(), ['gen/**/*.txt']).files).toEqual([]);
  });

  it('keeps no walk that met a symlink: its target can change while the directory stays the same', () => {
    for (const pattern of ['src/**/*.ts', 'src/*.ts']) {
      const ws = workspace(['src/a.ts', 'elsewhere/b.ts']);
      fs.symlinkSync(path.join(ws.root, 'elsewhere/b.ts'), path.join(ws.root, 'src/b.ts'));
      expect(expand(ws.stats(), [pattern]).files).toEqual(['src/a.ts', 'src/b.ts']);
      expect(ws.memos()).toEqual([]);
      fs.rmSync(path.join(ws.root, 'elsewhere/b.ts'));
      expect(expand(ws.stats(), [pattern]).files).toEqual(['src/a.ts']);
    }
  });

  it('keeps no walk whose directories changed too recently to trust their mtimes', () => {
    const root = tempDir();
    put(root, 'src/a.ts', 'a');
    const file = path.join(root, '.runner', 'stat-cache.bin');
    fs.mkdirSync(path.dirname(file));
    // The clock at the directories' own mtime: an entry added in the same tick would not change it.
    const now = () => fs.statSync(path.join(root, 'src')).mtimeMs;
    expect(expandGlobs(new StatCache({ root, file, now }), ['src/*.ts'])).toEqual(['src/a.ts']);
    expect(fs.existsSync(path.join(root, '.runner', 'globs'))).toBe(false);
  });

  it("gives back the list's identity (the sha256 of its paths joined by NULs) as the walk had it, and none but a hash", () => {
    const ws = workspace(['src/a.ts', 'src/é.ts', 'src/b.ts']);
    expand(ws.stats(), ['src/*.ts']);
    const read = expand(ws.stats(), ['src/*.ts']);
    expect(read.isWalked).toBe(false);
    expect(listIdentity(read.files)).toBe(sha256(['src/a.ts', 'src/b.ts', 'src/é.ts'].join('\0')));
    // The identity is the memo's (not made again): one it says, under a first line that vouches for it, is taken.
    const memoFile = path.join(ws.root, '.runner', 'globs', ws.memos()[0] as string);
    const rewrite = (identity: string): void => {
      const body = fs.readFileSync(memoFile, 'utf8').split('\n').slice(1);
      body[0] = identity;
      const text = body.join('\n');
      fs.writeFileSync(memoFile, `runner-glob 2 ${sha256(text)}\n${text}`);
    };
    rewrite('f'.repeat(64));
    const told = expand(ws.stats(), ['src/*.ts']);
    expect(told.isWalked).toBe(false);
    expect(listIdentity(told.files)).toBe('f'.repeat(64));
    // One that is not a hash is not: the patterns are walked again.
    rewrite('not a hash');
    expect(expand(ws.stats(), ['src/*.ts']).isWalked).toBe(true);
  });

  it('walks again over a memo that is damaged, and over a memo kept nowhere', () => {
    const ws = workspace(['src/a.ts', 'src/b.ts']);
    expand(ws.stats(), ['src/*.ts']);
    const [memo] = ws.memos();
    const memoFile = path.join(ws.root, '.runner', 'globs', memo as string);
    const whole = fs.readFileSync(memoFile, 'latin1');
    const damaged = [
      '',
      'runner-glob 2',
      'runner-glob 2\nnot json\nsrc/a.ts',
      'runner-glob 2\n[["src"]]\nsrc/z.ts',
      // A name changed under a first line that still says what the file held before.
      whole.replace('src/b.ts', 'src/c.ts'),
      // A file dropped from the list.
      whole.replace('\nsrc/b.ts', ''),
    ];
    for (const text of damaged) {
      fs.writeFileSync(memoFile, text, 'latin1');
      expect(expand(ws.stats(), ['src/*.ts'])).toEqual({ files: ['src/a.ts', 'src/b.ts'], isWalked: true });
    }
    const inMemory = new StatCache({ root: ws.root });
    expect(expandGlobs(inMemory, ['src/*.ts'])).toEqual(['src/a.ts', 'src/b.ts']);
    expect(inMemory.counts.dirReads).toBe(1);
  });

  it('answers for a missing directory whose parent became a file, then sees it appear; keeps nothing for no patterns', () => {
    const ws = workspace();
    expect(expand(ws.stats(), ['gen/out/**/*.txt']).files).toEqual([]);
    put(ws.root, 'gen', 'now a file');
    expect(expand(ws.stats(), ['gen/out/**/*.txt'])).toEqual({ files: [], isWalked: false });
    fs.rmSync(path.join(ws.root, 'gen'));
    put(ws.root, 'gen/out/a.txt', 'a');
    expect(expand(ws.stats(), ['gen/out/**/*.txt'])).toEqual({ files: ['gen/out/a.txt'], isWalked: true });
    const before = ws.memos().length;
    expect(expandGlobs(ws.stats(), [])).toEqual([]);
    expect(ws.memos()).toHaveLength(before);
  });

  it('keeps no walk that found a name with a newline in it (one name a line would read back as two)', () => {
    const ws = workspace(['lines/a\nb.txt', 'lines/c.txt']);
    expect(expand(ws.stats(), ['lines/*.txt']).files).toEqual(['lines/a\nb.txt', 'lines/c.txt']);
    expect(ws.memos()).toEqual([]);
    expect(expand(ws.stats(), ['lines/*.txt'])).toEqual({ files: ['lines/a\nb.txt', 'lines/c.txt'], isWalked: true });
  });

  it('gives back names that are not ASCII as they were', () => {
    const ws = workspace(['données/é.txt', 'données/日本.txt', 'données/plain.txt']);
    const first = expand(ws.stats(), ['données/*.txt']);
    expect(first.files).toEqual(['données/plain.txt', 'données/é.txt', 'données/日本.txt']);
    expect(expand(ws.stats(), ['données/*.txt'])).toEqual({ files: first.files, isWalked: false });
  });
});
