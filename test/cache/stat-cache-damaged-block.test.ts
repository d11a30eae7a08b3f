// Damage on disk in .runner/stat-cache.bin (a flipped bit, bytes a torn
// write left) is found when the damaged bytes are first read, never used:
// one message names the file and what is wrong, the part those bytes
// belong to starts empty (the file entries, the listings or the derived
// lists; the whole cache for its header or its checks), the answers are
// the ones the files themselves give, and the next save rewrites the file
// whole, which the following load takes without a word.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hashFileSync } from '../../src/cache/hash-file.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { encodeStatCache } from '../../src/cache/stat-cache-file.js';
import { decodeStatCache, StatCacheImage } from '../../src/cache/stat-cache-image.js';
import { LoadedCache } from '../../src/cache/loaded-cache.js';
import { fakeClock, put, setMtime, tempDir } from './helpers.js';
import { layoutOf, rowOf, sectionOf } from './stat-cache-bytes.js';

const T = Date.UTC(2030, 0, 1, 12);
const now = fakeClock(T + 3_600_000).now;
/** The file whose entry the damage is in. */
const ASKED = 'src/f123.txt';
const NAMES = Array.from({ length: 300 }, (_, i) => `f${i}.txt`);
const DAMAGED =
  /^.*: (bytes \d+-\d+ \(.*\) do not match their|the checks do not match their|its header does not match its) checksum .*; ignoring it$/;

interface Saved {
  root: string;
  file: string;
  log: string;
}

/**
 * A workspace of 300 files whose cache knows their hashes, the listing of src/ and a derived list; with
 * `pad`, 9,000 entries of files never asked for and 2,000 listings before and after them, so each part lies
 * in blocks of its own and a lookup is a search (a cache of fewer than 8,192 entries is decoded whole).
 */
function saved(pad = true): Saved {
  const root = tempDir();
  for (const [i, name] of NAMES.entries()) {
    put(root, `src/${name}`, `file ${i}\n`);
    setMtime(root, `src/${name}`, T);
  }
  const file = path.join(root, '.runner', 'stat-cache.bin');
  fs.mkdirSync(path.dirname(file));
  const stats = new StatCache({ root, file, now });
  for (const name of NAMES) stats.hash(`src/${name}`);
  stats.list('src');
  stats.derived('imports', fresh(root, ASKED), () => ['./b.js']);
  stats.save();
  const log = path.join(root, '.runner', 'stat-cache.log');
  if (!pad) return { root, file, log };
  const decoded = decodeStatCache(fs.readFileSync(file));
  if (!('data' in decoded)) throw new Error(decoded.problem);
  const { paths, nums, hashes, racy } = decoded.data.files;
  const more = Array.from({ length: 9000 }, (_, i) => `#never/${String(i).padStart(6, '0')}.txt`);
  const n = paths.length + more.length;
  const columns = {
    paths: [...more, ...paths],
    nums: new Float64Array(3 * n),
    hashes: Buffer.alloc(32 * n),
    racy: new Uint8Array(n),
  };
  columns.nums.set(nums, 3 * more.length);
  hashes.copy(columns.hashes, 32 * more.length);
  columns.racy.set(racy, more.length);
  const names = Array.from({ length: 20 }, (_, i) => `name-${i}.txt`);
  const listing = (i: number): [string, [number, number, string[], string, number]] => [
    `#never/d${i}`,
    [T, 1000 + i, names, 'f'.repeat(20), T + 5000],
  ];
  const dirs = Object.fromEntries([
    ...Array.from({ length: 1000 }, (_, i) => listing(i)),
    ...Object.entries(decoded.data.dirs),
    ...Array.from({ length: 1000 }, (_, i) => listing(1000 + i)),
  ]);
  fs.writeFileSync(file, encodeStatCache({ files: columns, dirs, derived: decoded.data.derived }));
  return { root, file, log };
}

function fresh(root: string, name: string): string {
  return hashFileSync(path.join(root, name));
}

/** The file's bytes with `damage` done to them. */
function damage(file: string, change: (data: Buffer) => void): void {
  const data = fs.readFileSync(file);
  change(data);
  fs.writeFileSync(file, data);
}

/** Flips bit `bit` of byte `at` (in place). */
function flip(data: Buffer, at: number, bit = 0): void {
  data.writeUInt8(data.readUInt8(at) ^ (1 << bit), at);
}

/** Where section `name` starts in the file. */
const offsetOf = (data: Buffer, name: 'paths' | 'ends' | 'nums' | 'hashes' | 'racy' | 'dirs' | 'derived' | 'checks') =>
  layoutOf(data).sections[name][0];

/** A new run's cache of `saved`, its messages, and its answers for ASKED, the listing of src/ and the derived list. */
function load({ root, file }: Saved) {
  const messages: string[] = [];
  const stats = new StatCache({ root, file, now, onBadFile: (m) => messages.push(m) });
  const hash = stats.hash(ASKED);
  const listed = stats.list('src')?.names;
  const derived = stats.derived('imports', fresh(root, ASKED), () => ['./b.js']);
  return { stats, messages, hash, listed, derived };
}

/** [the damage, done to the file's bytes: each to ASKED's entry, its listing or its derived list]. */
const DAMAGE: [string, (data: Buffer) => void][] = [
  ['a bit of its path', (data) => flip(data, offsetOf(data, 'paths') + sectionOf(data, 'paths').indexOf(ASKED) + 5, 1)],
  ['a bit of where its path ends', (data) => flip(data, offsetOf(data, 'ends') + 4 * rowOf(data, ASKED), 3)],
  ['a bit of its size', (data) => flip(data, offsetOf(data, 'nums') + 24 * rowOf(data, ASKED), 0)],
  ['a bit of its hash', (data) => flip(data, offsetOf(data, 'hashes') + 32 * rowOf(data, ASKED) + 7, 4)],
  ['its racy byte', (data) => flip(data, offsetOf(data, 'racy') + rowOf(data, ASKED))],
  [
    'a name in its listing',
    (data) => flip(data, offsetOf(data, 'dirs') + sectionOf(data, 'dirs').indexOf('"f123.txt"') + 2, 1),
  ],
  ['its derived list', (data) => flip(data, offsetOf(data, 'derived') + sectionOf(data, 'derived').indexOf('b.js'), 0)],
  [
    "the header's place of the hashes",
    (data) => {
      const [offset, length] = layoutOf(data).sections.hashes;
      const header = data.toString('latin1', 0, 512).replace(`[${offset},${length}]`, `[${offset + 1},${length}]`);
      data.write(header, 0, 'latin1');
    },
  ],
  ['a bit of the checks', (data) => flip(data, offsetOf(data, 'checks') + 1, 2)],
];

describe('a damaged .runner/stat-cache.bin', () => {
  it('is found by checks: a crc32 of each 16 KiB block after the header, theirs in the header, and its own', () => {
    const data = fs.readFileSync(saved().file);
    const [checksAt, checksLength] = layoutOf(data).sections.checks;
    expect(checksLength).toBe(4 * Math.ceil(checksAt / 16384));
    for (let unit = 0; unit < checksLength / 4; unit++) {
      const block = data.subarray(Math.max(512, unit * 16384), Math.min((unit + 1) * 16384, checksAt));
      expect(data.readUInt32LE(checksAt + 4 * unit), `block ${unit}`).toBe(zlib.crc32(block));
    }
    const header = data.toString('latin1', 0, data.indexOf(10, data.indexOf(10) + 1) + 1);
    const json = JSON.parse(header.split('\n')[1] ?? '') as { checksSum: number };
    expect(json.checksSum).toBe(zlib.crc32(data.subarray(checksAt, checksAt + checksLength)));
    const [, , sum] = data.toString('latin1', 0, 512).split('\n');
    expect(sum).toBe(zlib.crc32(Buffer.from(header, 'latin1')).toString(16).padStart(8, '0'));
  });

  for (const pad of [true, false]) {
    const size = pad ? 'a cache of 9,300 entries, searched' : 'a cache of 300 entries, decoded whole';
    it.each(DAMAGE)(`${size}, %s: one message, the answers the files give, then rebuilt`, (_name, change) => {
      const cache = saved(pad);
      damage(cache.file, change);
      const { stats, messages, hash, listed, derived } = load(cache);
      expect(messages, messages.join('\n')).toHaveLength(1);
      expect(messages[0]?.startsWith(`${cache.file}: `)).toBe(true);
      expect(messages[0]).toMatch(DAMAGED);
      expect(hash).toBe(fresh(cache.root, ASKED));
      expect(listed).toEqual([...NAMES].sort());
      expect(derived).toEqual(['./b.js']);

      // Rewritten whole, not a frame appended to the damaged file: the next load is told nothing, and hits.
      stats.save();
      expect(fs.existsSync(cache.log)).toBe(false);
      const next = load(cache);
      expect(next.messages).toEqual([]);
      expect(next.stats.counts).toMatchObject({ hashHits: 1, hashReads: 0, dirHits: 1, dirReads: 0 });
    });
  }

  it('torn: its hashes cut in the middle, zeros to the end (the length written, the bytes not)', () => {
    const cache = saved();
    damage(cache.file, (data) => data.fill(0, offsetOf(data, 'hashes') + 32 * rowOf(data, 'src/f100.txt') + 16));
    const { messages, hash } = load(cache);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(DAMAGED);
    expect(hash).toBe(fresh(cache.root, ASKED));
  });

  it("torn: an edited file's new stat over its old hash (bytes of a later write) is not believed", () => {
    const cache = saved();
    put(cache.root, ASKED, 'edited\n');
    const st = fs.statSync(path.join(cache.root, ASKED));
    damage(cache.file, (data) => {
      const at = offsetOf(data, 'nums') + 24 * rowOf(data, ASKED);
      data.writeDoubleLE(st.size, at);
      data.writeDoubleLE(st.ctimeMs, at + 8);
      data.writeDoubleLE(st.ino, at + 16);
    });
    const { messages, hash } = load(cache);
    expect(messages).toHaveLength(1);
    expect(hash).toBe(fresh(cache.root, ASKED));
  });

  it('damage in a part the run does not read is not said; the parts it reads are used', () => {
    const cache = saved();
    // A name of a listing amid the 1,000 after src/'s: far from the file entries, src/'s listing and the derived lists.
    damage(cache.file, (data) =>
      flip(data, offsetOf(data, 'dirs') + sectionOf(data, 'dirs').indexOf('"#never/d1500"') + 3, 1),
    );
    const messages: string[] = [];
    const stats = new StatCache({ root: cache.root, file: cache.file, now, onBadFile: (m) => messages.push(m) });
    for (const name of NAMES.slice(0, 20)) expect(stats.hash(`src/${name}`)).toBe(fresh(cache.root, `src/${name}`));
    expect(messages).toEqual([]);
    // The listings, decoded whole when one is asked for: dropped, src/ listed again; the entries still used.
    expect(stats.list('src')?.names).toEqual([...NAMES].sort());
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/: bytes \d+-\d+ \(dirs\) do not match their checksum/);
    for (const name of NAMES.slice(20, 40)) expect(stats.hash(`src/${name}`)).toBe(fresh(cache.root, `src/${name}`));
    expect(stats.counts).toMatchObject({ hashHits: 40, hashReads: 0, dirHits: 0, dirReads: 1 });
  });

  it("the log's entries stand when the file's are dropped", () => {
    // Built in memory: a file rewritten by a test has a new ctime, which the log's frames are bound to.
    const cache = saved();
    const data = fs.readFileSync(cache.file);
    flip(data, offsetOf(data, 'hashes') + 32 * rowOf(data, 'src/f8.txt'));
    const st = fs.statSync(path.join(cache.root, 'src/f7.txt'));
    const entry = { size: st.size, changedMs: st.ctimeMs, ino: st.ino };
    const frame = decodeStatCache(
      encodeStatCache({
        files: {
          paths: ['src/f7.txt'],
          nums: Float64Array.of(entry.size, entry.changedMs, entry.ino),
          hashes: Buffer.from(fresh(cache.root, 'src/f7.txt'), 'hex'),
          racy: new Uint8Array(1),
        },
        dirs: {},
        derived: {},
      }),
    );
    if (!('data' in frame)) throw new Error(frame.problem);
    const messages: string[] = [];
    const loaded = new LoadedCache(cache.file, new StatCacheImage(data), [frame.data], (m) => messages.push(m));
    const f8 = fs.statSync(path.join(cache.root, 'src/f8.txt'));
    expect(loaded.hashFor('src/f8.txt', { size: f8.size, changedMs: f8.ctimeMs, ino: f8.ino })).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(loaded.isDamaged).toBe(true);
    expect(loaded.hashFor('src/f7.txt', entry)).toBe(fresh(cache.root, 'src/f7.txt'));
    expect(loaded.files.columns.paths).toEqual(['src/f7.txt']);
    expect(messages).toHaveLength(1);
  });
});
