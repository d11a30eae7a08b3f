// A SQLite store file that is damaged (cut short, overwritten) or is not a
// database at all is moved aside as <file>.corrupt-<time>, and an empty store
// takes its place, with one warning that says where the old file went.
// Real SQLite files throughout.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cache/store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { tempDir } from './helpers.js';

const opened: CacheStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

interface Opened {
  store: CacheStore;
  warnings: string[];
}

async function open(file: string, options: { isRepairable?: boolean } = {}): Promise<Opened> {
  const warnings: string[] = [];
  const store = await openStore(`sqlite://${file}`, path.dirname(file), (m) => warnings.push(m), options);
  opened.push(store);
  return { store, warnings };
}

/** A real store file with `count` entries, its connection closed (the log folded into the file). */
async function storeFile(count = 200): Promise<{ file: string; bytes: Buffer }> {
  const file = path.join(tempDir(), 'cache.sqlite');
  const { store } = await open(file);
  await store.setMany(
    Array.from({ length: count }, (_, i) => ({ key: `stage:${i}`, value: { i, pad: 'x'.repeat(100) } })),
  );
  await store.close();
  return { file, bytes: fs.readFileSync(file) };
}

function asideFiles(file: string): string[] {
  return fs
    .readdirSync(path.dirname(file))
    .filter((name) => name.startsWith(`${path.basename(file)}.corrupt-`) && !/-(wal|shm)$/.test(name));
}

const DAMAGE: [string, (good: Buffer) => Buffer][] = [
  ['cut short inside its header', (good) => good.subarray(0, 50)],
  ['cut short at half its pages', (good) => good.subarray(0, good.length / 2)],
  ['cut short by one page', (good) => good.subarray(0, good.length - good.readUInt16BE(16))],
  ['random bytes', () => randomBytes(8192)],
  ['plain text', () => Buffer.from('this is not a database\n')],
  ['empty of the header but not of bytes', () => Buffer.alloc(4096)],
];

describe('a damaged SQLite store file', () => {
  it.each(DAMAGE)('%s: is moved aside once, with one warning, and an empty store works', async (_name, damage) => {
    const { file, bytes } = await storeFile();
    const damaged = damage(bytes);
    fs.writeFileSync(file, damaged);

    const { store, warnings } = await open(file);
    const [aside, ...more] = asideFiles(file);
    expect(more).toEqual([]);
    expect(aside).toMatch(/^cache\.sqlite\.corrupt-\d{8}T\d{9}Z$/);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cache store sqlite://${file}: the database is damaged \\(SQLITE_(CORRUPT|NOTADB): [^)]+\\): moved it to ${path.join(path.dirname(file), aside ?? '')} and started an empty cache$`,
        ),
      ),
    ]);
    expect(fs.readFileSync(path.join(path.dirname(file), aside ?? ''))).toEqual(damaged);
    expect(await store.get('stage:1')).toBeUndefined();
    await store.set('stage:new', { fresh: true });
    expect(await store.get('stage:new')).toEqual({ fresh: true });
    await store.close();

    const again = await open(file);
    expect(await again.store.get('stage:new')).toEqual({ fresh: true });
    expect(again.warnings).toEqual([]);
    expect(asideFiles(file)).toHaveLength(1);
  });

  it('damage that opening does not read is found by the first lookup that does, and repaired then', async () => {
    const { file, bytes } = await storeFile(3);
    // Page 2 is the table's root: opening reads only page 1 (the schema).
    const pageSize = bytes.readUInt16BE(16);
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, pageSize), Buffer.alloc(bytes.length - pageSize, 0x5a)]));

    const { store, warnings } = await open(file);
    expect(warnings).toEqual([]);
    const [first, second] = await Promise.all([store.get('stage:1'), store.getMany(['stage:0', 'stage:2'])]);
    expect([first, second]).toEqual([undefined, [undefined, undefined]]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /the database is damaged \(SQLITE_CORRUPT: .*\): moved it to .*\.corrupt-.* and started/,
    );
    expect(asideFiles(file)).toHaveLength(1);
    await store.set('stage:after', 1);
    expect(await store.get('stage:after')).toBe(1);
    const listed: string[] = [];
    for await (const [key] of store.entries()) listed.push(key);
    expect(listed).toEqual(['stage:after']);
    expect(warnings).toHaveLength(1);
  });

  it('is left where it is when repairs are not wanted (the daemon): opening fails as before', async () => {
    const { file } = await storeFile();
    fs.writeFileSync(file, 'not a database');
    await expect(open(file, { isRepairable: false })).rejects.toThrow(/SQLITE_NOTADB/);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a database');
    expect(asideFiles(file)).toEqual([]);
  });

  it('that another process has replaced meanwhile is not moved: the replacement is used', async () => {
    const { file, bytes } = await storeFile(3);
    const pageSize = bytes.readUInt16BE(16);
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, pageSize), Buffer.alloc(bytes.length - pageSize, 0x5a)]));
    const { store, warnings } = await open(file);
    // Another process repaired it first: moved it (and its log) aside, and made a new one at the same path.
    for (const suffix of ['', '-wal', '-shm']) fs.renameSync(`${file}${suffix}`, `${file}.elsewhere${suffix}`);
    const other = await storeFile(1);
    fs.renameSync(other.file, file);
    expect(await store.get('stage:1')).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(asideFiles(file)).toEqual([]);
    expect(await store.get('stage:0')).toEqual({ i: 0, pad: 'x'.repeat(100) });
  });
});
