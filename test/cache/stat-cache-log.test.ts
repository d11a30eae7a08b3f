// The stat cache's log: a save after a small change appends one frame to
// .runner/stat-cache.log instead of rewriting .runner/stat-cache.bin, and
// the next load sees it (entries, listings, derived lists). A frame cut
// short, damaged, or written for an earlier file is ignored with all after
// it, costing a re-hash and never a wrong hash, and the next save rewrites
// the file and removes the log; so does a change too large for the log,
// and the 65th frame.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFileSync } from '../../src/cache/hash-file.js';
import { mayAppend } from '../../src/cache/stat-cache-disk.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';

const T = Date.UTC(2030, 0, 1, 12);
const now = fakeClock(T + 3_600_000).now;

/** A workspace of `n` files whose cache is saved whole (no log yet). */
function saved(n: number): { root: string; file: string; log: string; files: string[] } {
  const root = tempDir();
  const files = Array.from({ length: n }, (_, i) => `src/f${String(i).padStart(5, '0')}.txt`);
  for (const [i, file] of files.entries()) write(root, file, `file ${i}\n`);
  const file = path.join(root, '.runner', 'stat-cache.bin');
  fs.mkdirSync(path.dirname(file));
  const stats = new StatCache({ root, file, now });
  stats.hashAll(files);
  stats.save();
  return { root, file, log: path.join(root, '.runner', 'stat-cache.log'), files };
}

/** Writes a file with a fixed mtime (never racy against `now`): `version` makes one of another content. */
function write(root: string, file: string, text: string, version = 0): void {
  put(root, file, text);
  setMtime(root, file, T + version * 1000);
}

/** A new run's cache: how many of `files` it hashed from the cache and how many it read. */
function reload(root: string, file: string, files: string[]): StatCache['counts'] {
  const stats = new StatCache({ root, file, now });
  for (const name of files) expect(stats.hash(name), name).toBe(hashFileSync(path.join(root, name)));
  return stats.counts;
}

/** A run that edits `file` in place and saves. */
function editAndSave(root: string, cache: string, file: string, version: number): void {
  write(root, file, `edited ${version}\n`, version);
  const stats = new StatCache({ root, file: cache, now });
  stats.hash(file);
  stats.save();
}

describe('the stat cache log', () => {
  it('takes a small change as a frame the next load sees, the file itself untouched', () => {
    const { root, file, log, files } = saved(200);
    const before = fs.readFileSync(file);
    write(root, 'src/f00003.txt', 'edited\n', 1);
    write(root, 'src/new.txt', 'new\n');
    const stats = new StatCache({ root, file, now });
    stats.hash('src/f00003.txt');
    stats.hash('src/new.txt');
    stats.list('src');
    stats.derived('imports', 'h1', () => ['./x.js']);
    stats.save();
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.statSync(log).size).toBeGreaterThan(0);

    const again = new StatCache({ root, file, now });
    expect(again.derived('imports', 'h1', () => ['not used'])).toEqual(['./x.js']);
    expect(again.list('src')?.names).toContain('new.txt');
    expect(again.counts.dirHits).toBe(1);
    expect(reload(root, file, [...files, 'src/new.txt'])).toMatchObject({ hashReads: 0, hashHits: 201 });
  });

  it('takes the change as a frame when the daemon is told what to watch as well', () => {
    const { root, file, files } = saved(20);
    write(root, 'src/f00004.txt', 'edited\n', 1);
    const watched: string[][] = [];
    const stats = new StatCache({ root, file, now, help: { watch: (dirs) => watched.push([...(dirs() ?? [])]) } });
    stats.hash('src/f00004.txt');
    stats.save();
    expect(watched).toEqual([[path.join(root, 'src')]]);
    expect(reload(root, file, files)).toMatchObject({ hashReads: 0, hashHits: 20 });
  });

  it("tells the daemon each directory once, a subdirectory's files between its parent's own", () => {
    const root = tempDir();
    const files = ['a.txt', 'src/a.txt', 'src/deep/b.txt', 'src/deep/c.txt', 'src/z.txt', 'x/y/z.txt'];
    for (const file of files) write(root, file, `${file}\n`);
    const watched: string[][] = [];
    const stats = new StatCache({ root, now, help: { watch: (dirs) => watched.push([...(dirs() ?? [])]) } });
    for (const file of files) stats.hash(file);
    stats.save();
    const at = (dir: string): string => (dir === '' ? root : path.join(root, dir));
    expect(watched.map((dirs) => [...dirs].sort())).toEqual([['', 'src', 'src/deep', 'x/y'].map(at).sort()]);
  });

  it('ignores a frame cut short or damaged, and what follows it; the next save rewrites the file', () => {
    for (const damage of ['cut', 'flipped'] as const) {
      const { root, file, log, files } = saved(50);
      editAndSave(root, file, 'src/f00001.txt', 1);
      const first = fs.statSync(log).size;
      editAndSave(root, file, 'src/f00002.txt', 2);
      editAndSave(root, file, 'src/f00003.txt', 3);
      const bytes = fs.readFileSync(log);
      if (damage === 'cut') fs.writeFileSync(log, bytes.subarray(0, first + 30));
      else fs.writeFileSync(log, Buffer.from(bytes.map((b, i) => (i === first + 100 ? b ^ 1 : b))));
      // The first frame holds; f00002 and f00003 (second frame and after) are read again.
      expect(reload(root, file, files), damage).toMatchObject({ hashReads: 2, hashHits: 48 });

      const before = fs.readFileSync(file);
      const stats = new StatCache({ root, file, now });
      stats.hashAll(files);
      stats.save();
      expect(fs.readFileSync(file).equals(before), damage).toBe(false);
      expect(fs.existsSync(log), damage).toBe(false);
      expect(reload(root, file, files), damage).toMatchObject({ hashReads: 0, hashHits: 50 });
    }
  });

  it('ignores frames written for the file before it was rewritten', () => {
    const { root, file, log, files } = saved(50);
    editAndSave(root, file, 'src/f00001.txt', 1);
    const oldLog = fs.readFileSync(log);
    // A save that rewrites (the log gone), then the crash's leftover: the old log back beside the new file.
    fs.rmSync(log);
    fs.writeFileSync(log, 'not a frame');
    editAndSave(root, file, 'src/f00002.txt', 2);
    expect(fs.existsSync(log)).toBe(false);
    fs.writeFileSync(log, oldLog);
    expect(reload(root, file, files)).toMatchObject({ hashReads: 1, hashHits: 49 });
  });

  it('applies frames in order, and folds the log back into the file after 64 of them', () => {
    const { root, file, log, files } = saved(50);
    const before = fs.readFileSync(file);
    // The same file edited in every frame: the last frame's entry holds.
    for (let version = 1; version <= 64; version++) editAndSave(root, file, 'src/f00007.txt', version);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(reload(root, file, files)).toMatchObject({ hashReads: 0, hashHits: 50 });
    editAndSave(root, file, 'src/f00007.txt', 65);
    expect(fs.existsSync(log)).toBe(false);
    expect(fs.readFileSync(file).equals(before)).toBe(false);
    expect(reload(root, file, files)).toMatchObject({ hashReads: 0, hashHits: 50 });
  });

  it('rewrites the file when the change would outgrow an eighth of it', () => {
    expect(mayAppend(0, 1000, 0)).toBe(true);
    expect(mayAppend(250 * 1024, 10 * 1024, 1 << 20)).toBe(false);
    expect(mayAppend(900 * 1024, 90 * 1024, 8 << 20)).toBe(true);
    expect(mayAppend(900 * 1024, 200 * 1024, 8 << 20)).toBe(false);
    const { root, file, log, files } = saved(4000);
    for (const [i, name] of files.entries()) write(root, name, `touched ${i}\n`, 1);
    const stats = new StatCache({ root, file, now });
    stats.hashAll(files);
    stats.save();
    expect(fs.existsSync(log)).toBe(false);
    expect(reload(root, file, files)).toMatchObject({ hashReads: 0, hashHits: 4000 });
  });
});
