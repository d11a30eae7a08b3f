// .runner/stat-cache.bin that is not a whole stat cache (cut short,
// overwritten) starts empty, with one message naming the file; hashing,
// listing and derived facts then work as on a cold start. A part of it that
// is not what its layout promises (a JSON section of the wrong shape, paths
// that are not as many as the columns), in a file whose checks match it (a
// foreign writer's: damage on disk fails the checks first, see
// stat-cache-damaged-block.test.ts), is found when the run first needs
// that part, which is then reported and starts empty, the others used.
// Another version's file is skipped without a word.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { fakeClock, put, tempDir } from './helpers.js';
import { relaid } from './stat-cache-bytes.js';

const MAGIC = 'runner-stat-cache 4\n';

/** A saved cache that knows a file's hash, a directory's listing and a derived list. */
function savedCache(): { root: string; file: string } {
  const root = tempDir();
  put(root, 'src/a.txt', 'a\n');
  const file = path.join(root, '.runner', 'stat-cache.bin');
  fs.mkdirSync(path.dirname(file));
  const stats = new StatCache({ root, file, now: fakeClock(Date.now() + 3_600_000).now });
  const hash = stats.hash('src/a.txt') ?? '';
  stats.list('src');
  stats.derived('imports', hash, () => ['./b.js']);
  stats.save();
  return { root, file };
}

/** The file with one section's text replaced, laid out and checked again as a writer would. */
function withSection(file: string, name: 'paths' | 'ends' | 'dirs' | 'derived', text: (old: string) => string): Buffer {
  return relaid(fs.readFileSync(file), (section, bytes) =>
    section === name ? Buffer.from(text(bytes.toString('utf8'))) : bytes,
  );
}

const replaceValues = (json: string, value: unknown): string =>
  JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(json)).map((key) => [key, value])));

const BAD: [string, (file: string) => Buffer | string, string][] = [
  ['cut short', (file) => fs.readFileSync(file).subarray(0, 600), 'cut short ('],
  ['cut inside its header', (file) => fs.readFileSync(file).subarray(0, 100), 'cut short'],
  ['not a stat cache', () => '{"files":{}}', 'not a stat cache file'],
  ['empty', () => '', 'not a stat cache file'],
];

/** [name, damage, the problem reported, the part that starts empty]. */
const BAD_PART: [string, (file: string) => Buffer, string, 'dirs' | 'derived' | 'files'][] = [
  ['dirs null', (file) => withSection(file, 'dirs', () => 'null'), 'dirs: expected an object, got null', 'dirs'],
  [
    'a listing without names',
    (file) => withSection(file, 'dirs', (old) => replaceValues(old, [1, 2, null, 'f', 3])),
    'dirs["src"][2]: expected an array, got null',
    'dirs',
  ],
  [
    'a listing with a kind short',
    (file) => withSection(file, 'dirs', (old) => replaceValues(old, [1, 2, ['a.txt'], '', 3])),
    'dirs["src"]: expected a kind for every name',
    'dirs',
  ],
  [
    'derived facts that are not lists',
    (file) => withSection(file, 'derived', (old) => replaceValues(old, 5)),
    'derived[',
    'derived',
  ],
  ['dirs not JSON', (file) => withSection(file, 'dirs', () => '{"src":'), 'dirs: not JSON (', 'dirs'],
  [
    'paths that are more than the columns',
    (file) => withSection(file, 'paths', (old) => `${old}\0src/b.txt`),
    'the file columns do not hold 1 entries',
    'files',
  ],
];

describe('a bad .runner/stat-cache.bin', () => {
  it.each(BAD)('%s: starts empty, with one message naming the file', (_name, damage, problem) => {
    const { root, file } = savedCache();
    fs.writeFileSync(file, damage(file));
    const messages: string[] = [];
    const stats = new StatCache({ root, file, onBadFile: (m) => messages.push(m) });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.startsWith(`${file}: ${problem}`), messages[0]).toBe(true);
    expect(messages[0]?.endsWith('; ignoring it')).toBe(true);

    // A cold start: everything is read again, and works.
    expect(stats.list('src')?.names).toEqual(['a.txt']);
    const hash = stats.hash('src/a.txt');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stats.derived('imports', hash ?? '', () => ['./c.js'])).toEqual(['./c.js']);
    expect(stats.counts).toMatchObject({ hashHits: 0, hashReads: 1, dirHits: 0, dirReads: 1 });
  });

  it.each(BAD_PART)(
    '%s: that part starts empty when first needed, with one message',
    (_name, damage, problem, part) => {
      const { root, file } = savedCache();
      fs.writeFileSync(file, damage(file));
      const messages: string[] = [];
      const stats = new StatCache({ root, file, onBadFile: (m) => messages.push(m) });
      expect(messages).toEqual([]);

      // A cache this small is decoded whole at the first lookup (paths more than the columns are found then).
      const hash = stats.hash('src/a.txt') ?? '';
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      const held = stats.heldHash('src/a.txt');
      const derived = stats.derived('imports', hash, () => ['./c.js']);
      expect(stats.list('src')?.names).toEqual(['a.txt']);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.startsWith(`${file}: ${problem}`), messages[0]).toBe(true);
      expect(messages[0]?.endsWith('; ignoring it')).toBe(true);
      expect(held).toBe(part === 'files' ? undefined : hash);
      expect(derived).toEqual(part === 'derived' ? ['./c.js'] : ['./b.js']);
      expect(stats.counts).toMatchObject({
        hashHits: part === 'files' ? 0 : 1,
        hashReads: part === 'files' ? 1 : 0,
        dirHits: part === 'dirs' ? 0 : 1,
        dirReads: part === 'dirs' ? 1 : 0,
      });
    },
  );

  it("another version's file is skipped without a message", () => {
    const { root, file } = savedCache();
    fs.writeFileSync(file, fs.readFileSync(file, 'latin1').replace(MAGIC, 'runner-stat-cache 3\n'), 'latin1');
    const messages: string[] = [];
    const stats = new StatCache({ root, file, onBadFile: (m) => messages.push(m) });
    expect(messages).toEqual([]);
    stats.list('src');
    expect(stats.counts.dirReads).toBe(1);
  });

  it('a good file is used whole', () => {
    const { root, file } = savedCache();
    const messages: string[] = [];
    const stats = new StatCache({ root, file, onBadFile: (m) => messages.push(m) });
    const hash = stats.hash('src/a.txt') ?? '';
    expect(stats.derived('imports', hash, () => ['never'])).toEqual(['./b.js']);
    stats.list('src');
    expect(stats.counts).toMatchObject({ hashHits: 1, hashReads: 0, dirHits: 1, dirReads: 0 });
    expect(messages).toEqual([]);
  });
});
