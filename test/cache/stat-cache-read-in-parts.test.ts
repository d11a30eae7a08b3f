// The stat cache file is decoded a part at a time: a run that asks for a
// few files' hashes (a no-op's module, a rerun's edited file) finds them by a
// search of the file and its log's frames, without making the columns'
// 100,000 strings; a long list's stat pass decodes the columns whole, once;
// the listings are decoded when a listing is asked for. (A stat pass over
// a long list, which decodes the columns whole, is over 8,192 files: the
// e2e tests over many files run it.) The answers are the
// ones a whole decode gives.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashFileSync } from '../../src/cache/hash-file.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { encodeStatCache } from '../../src/cache/stat-cache-file.js';
import { decodeStatCache, fileEntriesOf, StatCacheImage } from '../../src/cache/stat-cache-image.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';
import { relaid } from './stat-cache-bytes.js';

const T = Date.UTC(2030, 0, 1, 12);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const now = fakeClock(T + 3_600_000).now;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts the decodes of a file's columns whole (a log's frames, of an entry here, are decoded whole as they are read). */
function countWholeDecodes(): () => number {
  const files = vi.spyOn(StatCacheImage.prototype, 'files');
  return () =>
    files.mock.results.filter((result) => result.type === 'return' && result.value.paths.length > 1000).length;
}

// Sorted as JavaScript sorts them (UTF-16 units): 'é' (U+00E9) before '😀' (a surrogate pair) before 'ｚ' (U+FF5A).
const NAMES = ['a b.txt', 'a.txt', 'a0.txt', 'dir/x.txt', 'é.txt', 'z.txt', '😀.txt', 'ｚ.txt'];

/** A workspace of files with odd names and a few hundred plain ones, its cache saved whole. */
function saved(pad = true, padding = 9000, moreDirs = 0): { root: string; file: string; files: string[] } {
  const root = tempDir();
  const files = [...NAMES, ...Array.from({ length: 300 }, (_, i) => `src/f${i}.txt`)];
  for (const [i, name] of files.entries()) {
    put(root, name, `file ${i}\n`);
    setMtime(root, name, T);
  }
  const file = path.join(root, '.runner', 'stat-cache.bin');
  fs.mkdirSync(path.dirname(file));
  const stats = new StatCache({ root, file, now });
  for (const name of files) stats.hash(name);
  stats.list('src');
  stats.save();
  if (!pad) return { root, file, files };
  // Entries of files never asked for, before the others: a cache of fewer than 8,192 entries is decoded whole at once.
  const saved = decodeStatCache(fs.readFileSync(file));
  if (!('data' in saved)) throw new Error(saved.problem);
  const { paths, nums, hashes, racy } = saved.data.files;
  const more = Array.from({ length: padding }, (_, i) => `#never/${String(i).padStart(6, '0')}.txt`);
  const n = paths.length + more.length;
  const padded = new Float64Array(3 * n);
  padded.set(nums, 3 * more.length);
  const columns = { paths: [...more, ...paths], nums: padded, hashes: Buffer.alloc(32 * n), racy: new Uint8Array(n) };
  hashes.copy(columns.hashes, 32 * more.length);
  columns.racy.set(racy, more.length);
  // Listings of directories never asked for, each of twenty names.
  const dirs = { ...saved.data.dirs };
  const names = Array.from({ length: 20 }, (_, i) => `name-${i}.txt`);
  for (let i = 0; i < moreDirs; i++) dirs[`#never/d${i}`] = [T, 1000 + i, names, 'f'.repeat(20), T + 5000];
  fs.writeFileSync(file, encodeStatCache({ ...saved.data, dirs, files: columns }));
  return { root, file, files };
}

describe('the stat cache read in parts', () => {
  it('answers a lookup of each file by a search, the columns never decoded whole', () => {
    const { root, file, files } = saved();
    const wholeDecodes = countWholeDecodes();
    const stats = new StatCache({ root, file, now });
    // The odd names and the first few: fewer than the searches made before the columns are decoded whole.
    const asked = files.filter((_, i) => i < NAMES.length || i % 2 === 1);
    for (const name of asked) expect(stats.hash(name), name).toBe(hashFileSync(path.join(root, name)));
    expect(stats.counts).toMatchObject({ hashHits: asked.length, hashReads: 0 });
    // Names between, before and after the entries are not found (read, and recorded).
    put(root, 'a1.txt', 'new\n');
    put(root, '0.txt', 'new\n');
    put(root, '😁.txt', 'new\n');
    for (const name of ['a1.txt', '0.txt', '😁.txt'])
      expect(stats.hash(name)).toBe(hashFileSync(path.join(root, name)));
    expect(stats.counts).toMatchObject({ hashHits: asked.length, hashReads: 3 });
    expect(wholeDecodes()).toBe(0);
  });

  it('decodes the columns whole once more than 256 files have been searched for (a short list asked file by file)', () => {
    const { root, file, files } = saved();
    const wholeDecodes = countWholeDecodes();
    const stats = new StatCache({ root, file, now });
    for (const name of files) expect(stats.hash(name), name).toBe(hashFileSync(path.join(root, name)));
    expect(stats.counts).toMatchObject({ hashHits: files.length, hashReads: 0 });
    expect(wholeDecodes()).toBe(1);
  });

  it('decodes the columns whole at once for a list of more than 256 files, searching for none', () => {
    const { root, file, files } = saved();
    const wholeDecodes = countWholeDecodes();
    const find = vi.spyOn(StatCacheImage.prototype, 'find');
    const stats = new StatCache({ root, file, now });
    expect(stats.hashAll(files)).toEqual(files.map((name) => hashFileSync(path.join(root, name))));
    expect(stats.counts).toMatchObject({ hashHits: files.length, hashReads: 0 });
    expect(wholeDecodes()).toBe(1);
    expect(find).not.toHaveBeenCalled();
  });

  it('decodes a cache of fewer than 8,192 entries whole at its first search, searching it not', () => {
    const { root, file } = saved(false);
    const find = vi.spyOn(StatCacheImage.prototype, 'find');
    const whole = vi.spyOn(StatCacheImage.prototype, 'files');
    expect(new StatCache({ root, file, now }).hash('a.txt')).toBe(hashFileSync(path.join(root, 'a.txt')));
    expect(find).not.toHaveBeenCalled();
    expect(whole).toHaveBeenCalledTimes(1);
  });

  it("does not find a path its ends column places outside the paths (a foreign writer's): the file is read again", () => {
    const { root, file } = saved();
    // Its checks made for the bytes as they are: not damage, which the checks find (stat-cache-damaged-block.test.ts).
    const ends = (name: string, bytes: Buffer): Buffer => (name === 'ends' ? Buffer.alloc(bytes.length, 0xff) : bytes);
    fs.writeFileSync(file, relaid(fs.readFileSync(file), ends));
    const messages: string[] = [];
    const stats = new StatCache({ root, file, now, onBadFile: (m) => messages.push(m) });
    expect(stats.hash('src/f7.txt')).toBe(hashFileSync(path.join(root, 'src/f7.txt')));
    expect(stats.counts).toMatchObject({ hashHits: 0, hashReads: 1 });
    expect(messages).toEqual([]);
  });

  it('finds an entry of the log before the file, and not the entry the log replaced', () => {
    const { root, file } = saved();
    put(root, 'src/f7.txt', 'edited\n');
    setMtime(root, 'src/f7.txt', T + 1000);
    const edit = new StatCache({ root, file, now });
    edit.hash('src/f7.txt');
    edit.save();
    expect(fs.existsSync(path.join(root, '.runner', 'stat-cache.log'))).toBe(true);

    const wholeDecodes = countWholeDecodes();
    const next = new StatCache({ root, file, now });
    expect(next.hash('src/f7.txt')).toBe(hashFileSync(path.join(root, 'src/f7.txt')));
    expect(next.hash('src/f8.txt')).toBe(hashFileSync(path.join(root, 'src/f8.txt')));
    expect(next.counts).toMatchObject({ hashHits: 2, hashReads: 0 });
    // The old content back under the old stat: the log's entry stands, so the file is read, not believed.
    put(root, 'src/f7.txt', 'file 15\n');
    setMtime(root, 'src/f7.txt', T);
    const reverted = new StatCache({ root, file, now });
    expect(reverted.hash('src/f7.txt')).toBe(hashFileSync(path.join(root, 'src/f7.txt')));
    expect(reverted.counts).toMatchObject({ hashHits: 0, hashReads: 1 });
    expect(wholeDecodes()).toBe(0);
  });

  it('decodes the columns whole once when they are needed whole, with the log merged over them', () => {
    const { root, file, files } = saved();
    put(root, 'src/f9.txt', 'edited\n');
    setMtime(root, 'src/f9.txt', T + 1000);
    const edit = new StatCache({ root, file, now });
    edit.hash('src/f9.txt');
    edit.save();

    const wholeDecodes = countWholeDecodes();
    const next = new StatCache({ root, file, now });
    // More than 256 files asked of heldHash (the daemon's check for edits, after a checkout, say), as of a list.
    for (const name of files) expect(next.heldHash(name), name).toBe(hashFileSync(path.join(root, name)));
    expect(wholeDecodes()).toBe(1);
  });

  it("answers the daemon's check of a file or two edited by a search, whatever their stat now", () => {
    const { root, file } = saved();
    put(root, 'src/f9.txt', 'edited\n');
    setMtime(root, 'src/f9.txt', T + 1000);
    const edit = new StatCache({ root, file, now });
    edit.hash('src/f9.txt');
    edit.save();
    // Edited again since: what is held is still the hash the log has (and the file's for the others).
    put(root, 'src/f9.txt', 'edited again\n');
    put(root, 'src/f10.txt', 'edited too\n');

    const wholeDecodes = countWholeDecodes();
    const next = new StatCache({ root, file, now });
    expect(next.heldHash('src/f9.txt')).toBe(sha256('edited\n'));
    expect(next.heldHash('src/f10.txt')).toBe(sha256('file 18\n'));
    expect(next.heldHash('src/none.txt')).toBeUndefined();
    expect(wholeDecodes()).toBe(0);
  });

  it('says how many entries a file holds from its header alone, none for a file that is not one', () => {
    const { file, files } = saved();
    expect(fileEntriesOf(file)).toBe(files.length + 9000);
    expect(fileEntriesOf(`${file}.missing`)).toBe(0);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, 40));
    expect(fileEntriesOf(file)).toBe(0);
    fs.writeFileSync(file, Buffer.concat([Buffer.from('not a stat cache\n'), bytes]));
    expect(fileEntriesOf(file)).toBe(0);
  });

  it('reads of its file only the blocks a few searches touch, not the whole file', () => {
    const { root, file, files } = saved(true, 60_000);
    const size = fs.statSync(file).size;
    const readFileSync = vi.spyOn(fs, 'readFileSync');
    const readSync = vi.spyOn(fs, 'readSync');
    const stats = new StatCache({ root, file, now });
    const asked = [files[0], files[4], files[100], files[250], files.at(-1)] as string[];
    for (const name of asked) expect(stats.hash(name), name).toBe(hashFileSync(path.join(root, name)));
    expect(stats.counts).toMatchObject({ hashHits: asked.length, hashReads: 0 });
    expect(readFileSync.mock.calls.filter(([read]) => read === file)).toEqual([]);
    // The cache's reads say where (the files hashed here are read on from where they are).
    const bytesRead = readSync.mock.calls.reduce(
      (sum, call, i) =>
        sum + (typeof (call as unknown[])[4] === 'number' ? Number(readSync.mock.results[i]?.value ?? 0) : 0),
      0,
    );
    expect(size).toBeGreaterThan(4_000_000);
    expect(bytesRead).toBeLessThan(size / 8);
  });

  it('reads the listings alone when they are asked for first, not the whole file', () => {
    const { root, file } = saved(true, 60_000, 5_000);
    const size = fs.statSync(file).size;
    const readSync = vi.spyOn(fs, 'readSync');
    const stats = new StatCache({ root, file, now });
    expect(stats.list('src')?.names).toHaveLength(300);
    expect(stats.counts).toMatchObject({ dirHits: 1, dirReads: 0 });
    const bytesRead = readSync.mock.calls.reduce(
      (sum, call, i) =>
        sum + (typeof (call as unknown[])[4] === 'number' ? Number(readSync.mock.results[i]?.value ?? 0) : 0),
      0,
    );
    // About 1.5 MB of listings in a file of about 6 MB.
    expect(size).toBeGreaterThan(5_000_000);
    expect(bytesRead).toBeGreaterThan(1_000_000);
    expect(bytesRead).toBeLessThan(size / 3);
    // The files are still there to search, from the same descriptor.
    expect(stats.hash('a.txt')).toBe(hashFileSync(path.join(root, 'a.txt')));
    expect(stats.counts).toMatchObject({ hashHits: 1, hashReads: 0 });
  });

  it('answers from its file as it was opened while another run saves a new one over it', () => {
    const { root, file, files } = saved();
    const stats = new StatCache({ root, file, now });
    expect(stats.hash(files[1] as string)).toBe(hashFileSync(path.join(root, files[1] as string)));
    // Another process's run: an edited file, and the cache saved whole (a new file renamed over this one).
    put(root, 'z.txt', 'edited\n');
    setMtime(root, 'z.txt', T + 1000);
    const other = new StatCache({ root, file, now });
    for (const name of files) other.hash(name);
    other.list('dir');
    other.save();
    for (const name of files) expect(stats.hash(name), name).toBe(hashFileSync(path.join(root, name)));
    expect(stats.counts.hashReads).toBe(1);
  });

  it('decodes the listings only when one is asked for', () => {
    const { root, file } = saved();
    const dirs = vi.spyOn(StatCacheImage.prototype, 'dirs');
    const stats = new StatCache({ root, file, now });
    stats.hash('a.txt');
    stats.save();
    expect(dirs).not.toHaveBeenCalled();
    expect(stats.list('src')?.names).toHaveLength(300);
    expect(stats.counts).toMatchObject({ dirHits: 1, dirReads: 0 });
    expect(dirs).toHaveBeenCalledTimes(1);
  });
});
