// A glob memo some of whose directories changed since: a directory's own
// files are matched again and the memo's others kept, when the directories
// the walk goes into are the same; else the walk runs. Checked against a
// walk with no memo after each of many random changes to a tree (files and
// directories added and removed, at every depth, in a skipped directory
// and past a pattern's depth), for patterns with `**` at the start, in the
// middle, a depth limit, and a file-name tail.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlobs } from '../../src/cache/glob.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { mulberry32 } from '../../runners/lib/random.js';
import { fakeClock, put, tempDir } from './helpers.js';

const PATTERNS = ['**/*.txt', 'a/**/*.txt', 'a/*/*.txt', '**/f1*.txt', 'a/b/**/*'];

describe('a glob memo patched for the directories that changed', () => {
  it('gives what a walk gives, after each of many changes to the tree', () => {
    const root = tempDir();
    const dirs = ['a', 'a/b', 'a/b/c', 'a/d', 'e', 'e/f', 'node_modules/m', 'a/b/node_modules'];
    for (const dir of dirs) for (let i = 0; i < 4; i++) put(root, `${dir}/f${i}.txt`, dir);
    put(root, 'top.txt', 'top');
    const file = path.join(root, '.runner', 'stat-cache.bin');
    fs.mkdirSync(path.dirname(file));
    // Past every mtime the test makes: no directory is too recent to trust.
    const { now } = fakeClock(Date.now() + 3_600_000);
    // Seeded, so a failure can be replayed.
    const next = mulberry32(14);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    let stamp = Date.now() / 1000 - 86_400;
    /** Each directory changed gets an mtime of its own, as a real edit a while apart would. */
    const touched = (dir: string): void => {
      stamp += 1;
      fs.utimesSync(path.join(root, dir), stamp, stamp);
    };
    const listed = (dir: string): string[] => fs.readdirSync(path.join(root, dir));
    let patched = 0;
    for (let step = 0; step < 120; step++) {
      const live = ['.', ...dirs.filter((dir) => fs.existsSync(path.join(root, dir)))];
      const dir = pick(live);
      const roll = next();
      if (roll < 0.4) {
        put(root, `${dir}/f${Math.floor(next() * 20)}-${step}.txt`, 'new');
        touched(dir);
      } else if (roll < 0.7) {
        const files = listed(dir).filter((name) => name.endsWith('.txt'));
        if (files.length > 0) fs.rmSync(path.join(root, dir, pick(files)));
        touched(dir);
      } else if (roll < 0.85) {
        const sub = `${dir === '.' ? '' : `${dir}/`}n${step}`;
        put(root, `${sub}/f1.txt`, 'in a new directory');
        dirs.push(sub);
        touched(sub);
        touched(dir);
      } else if (dir !== '.') {
        fs.rmSync(path.join(root, dir), { recursive: true });
        const parent = path.posix.dirname(dir);
        if (fs.existsSync(path.join(root, parent))) touched(parent);
      }
      for (const pattern of PATTERNS) {
        const withMemo = new StatCache({ root, file, now });
        const got = expandGlobs(withMemo, [pattern]);
        const withoutMemo = new StatCache({ root, now });
        const walked = expandGlobs(withoutMemo, [pattern]);
        expect(got, `step ${step}, ${pattern}`).toEqual(walked);
        // Patched: some directories listed (the memo did not hold whole), fewer than the walk lists.
        const listed = (stats: StatCache): number => stats.counts.dirHits + stats.counts.dirReads;
        if (listed(withMemo) > 0 && listed(withMemo) < listed(withoutMemo)) patched++;
      }
    }
    // Many changes touch a directory a pattern walks, and most of those only its files.
    expect(patched).toBeGreaterThan(150);
  });
});
