// One contract for the shared cache store (src/cache/store.ts openStore), run
// against every backend (store-backends.ts): SQLite in a temp directory, and
// real Redis and PostgreSQL servers. Without redis-server or PostgreSQL
// installed their suite fails; it never skips.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NAMESPACE, openStore, redact } from '../../src/cache/store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { tempDir } from './helpers.js';
import { postgresBackend, redisBackend, sqliteBackend } from './store-backends.js';
import type { Backend } from './store-backends.js';

const requireFromHere = createRequire(import.meta.url);

// ---------------------------------------------------------------- the contract
const RECORD = {
  fingerprint: 'f'.repeat(64),
  outputFingerprint: 'o'.repeat(64),
  manifest: 'm'.repeat(64),
  outputs: [{ path: 'out/a.txt', hash: 'a'.repeat(64), size: 12, mode: 0o100644 }],
  dataset: { hash: 'd'.repeat(64), count: 3 },
  createdAt: 1_900_000_000_000,
  durationMs: 12.5,
  items: { total: 3, done: 3, cached: 1, failed: 0 },
};

const VALUES: [string, unknown][] = [
  ['a stage record', RECORD],
  ['a string', 'plain text'],
  ['an empty string', ''],
  ['unicode', 'ünïcødé ✓ 日本語 \u0000 end'],
  ['numbers', { int: 42, negative: -7, float: 0.1 + 0.2, big: Number.MAX_SAFE_INTEGER, zero: 0 }],
  ['booleans and null inside', { yes: true, no: false, nothing: null }],
  ['nested arrays', [[1, [2, [3]]], { a: [] }, []]],
  ['a large value (1 MiB)', 'x'.repeat(1 << 20)],
];

function storeContract(backend: Backend): void {
  describe(`cache store contract: ${backend.name}`, () => {
    const opened: CacheStore[] = [];
    let errors: string[] = [];

    beforeAll(() => backend.beforeAll(), 30_000);
    afterAll(() => backend.afterAll(), 30_000);
    afterEach(async () => {
      vi.useRealTimers();
      for (const store of opened.splice(0)) await store.close();
    });

    async function fresh(url?: string): Promise<{ store: CacheStore; url: string }> {
      const target = url ?? (await backend.freshUrl());
      errors = [];
      const store = await openStore(target, tempDir(), (message) => errors.push(message));
      opened.push(store);
      return { store, url: target };
    }

    it('get of a key never set is undefined', async () => {
      const { store } = await fresh();
      expect(await store.get('stage:none')).toBeUndefined();
      expect(errors).toEqual([]);
    });

    it.each(VALUES)('set then get round-trips %s', async (_name, value) => {
      const { store } = await fresh();
      await store.set('k', value);
      expect(await store.get('k')).toEqual(value);
      expect(errors).toEqual([]);
    });

    it('set overwrites', async () => {
      const { store } = await fresh();
      await store.set('k', 1);
      await store.set('k', { now: 2 });
      expect(await store.get('k')).toEqual({ now: 2 });
    });

    it('getMany answers in key order, undefined for misses, [] for no keys', async () => {
      const { store } = await fresh();
      await store.set('a', 'A');
      await store.set('c', { c: 3 });
      expect(await store.getMany(['c', 'b', 'a', 'c'])).toEqual([{ c: 3 }, undefined, 'A', { c: 3 }]);
      expect(await store.getMany([])).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('setMany sets every entry', async () => {
      const { store } = await fresh();
      const entries = Array.from({ length: 50 }, (_, i) => ({ key: `item:${i}`, value: { r: i, at: i } }));
      await store.setMany(entries);
      expect(await store.getMany(entries.map((e) => e.key))).toEqual(entries.map((e) => e.value));
      await store.setMany([]);
      expect(errors).toEqual([]);
    });

    it('setMany with a key given twice keeps the last value', async () => {
      const { store } = await fresh();
      await store.setMany([
        { key: 'twice', value: 'first' },
        { key: 'once', value: 1 },
        { key: 'twice', value: 'last' },
      ]);
      expect(await store.getMany(['twice', 'once'])).toEqual(['last', 1]);
      expect(errors).toEqual([]);
    });

    it('delete removes one key and leaves the others', async () => {
      const { store } = await fresh();
      await store.set('a', 1);
      await store.set('b', 2);
      await store.delete('a');
      await store.delete('never-set');
      expect(await store.getMany(['a', 'b'])).toEqual([undefined, 2]);
    });

    it('entries yields every [key, value], keys without the namespace', async () => {
      const { store } = await fresh();
      await store.set('stage:x', RECORD);
      await store.set('item:y', { r: 1, at: 2 });
      await store.set('memo:p/s:z', 'memo');
      const all: [string, unknown][] = [];
      for await (const entry of store.entries()) all.push(entry);
      all.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      expect(all).toEqual([
        ['item:y', { r: 1, at: 2 }],
        ['memo:p/s:z', 'memo'],
        ['stage:x', RECORD],
      ]);
    });

    it('clear removes every runner entry and nothing outside the namespace', async () => {
      const { store, url } = await fresh();
      await store.set('stage:x', 1);
      await store.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
      ]);
      await backend.putForeign(url, 'someone-else:key', 'theirs');
      await store.clear();
      expect(await store.getMany(['stage:x', 'a', 'b'])).toEqual([undefined, undefined, undefined]);
      const left: string[] = [];
      for await (const [key] of store.entries()) left.push(key);
      expect(left).toEqual([]);
      expect(await backend.getForeign(url, 'someone-else:key')).toBe('theirs');
    });

    it('a second store on the same URL shares the entries (one cache for many machines)', async () => {
      const { store, url } = await fresh();
      await store.set('stage:shared', RECORD);
      const other = await openStore(url, tempDir(), (m) => errors.push(m));
      opened.push(other);
      expect(await other.get('stage:shared')).toEqual(RECORD);
      expect(NAMESPACE).toBe('runner');
    });

    it('an entry with a TTL expires on the clock; one without does not', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.UTC(2030, 0, 1));
      const { store } = await fresh();
      await store.set('short', 'gone soon', 60_000);
      await store.setMany([
        { key: 'many-short', value: 1, ttlMs: 60_000 },
        { key: 'many-long', value: 2 },
      ]);
      await store.set('forever', 'stays');
      vi.setSystemTime(Date.UTC(2030, 0, 1) + 59_000);
      expect(await store.getMany(['short', 'many-short', 'many-long', 'forever'])).toEqual([
        'gone soon',
        1,
        2,
        'stays',
      ]);
      vi.setSystemTime(Date.UTC(2030, 0, 1) + 61_000);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.getMany(['many-short', 'many-long'])).toEqual([undefined, 2]);
      vi.setSystemTime(Date.UTC(2031, 0, 1));
      expect(await store.get('forever')).toBe('stays');
      expect(errors).toEqual([]);
    });

    it('a process that used the store exits as soon as it closes it', async () => {
      const { url } = await fresh();
      const exitMs = await exitDelayAfterClose(url);
      // A timer or socket left behind keeps the CLI alive after its work is done.
      expect(exitMs).toBeLessThan(2_500);
    }, 20_000);

    it('a failing backend is a logged miss: no throw, undefined, onError heard', async () => {
      const { url, breakIt } = await backend.breakable();
      const { store } = await fresh(url);
      await store.set('k', 'v');
      expect(await store.get('k')).toBe('v');
      await breakIt();

      expect(await store.get('k')).toBeUndefined();
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.startsWith(`cache store ${redact(url)}: `))).toBe(true);
      expect(await store.getMany(['k', 'l'])).toEqual([undefined, undefined]);
      await expect(store.set('k2', 'v2')).resolves.toBeUndefined();
      await expect(store.setMany([{ key: 'k3', value: 3 }])).resolves.toBeUndefined();
      await expect(store.delete('k')).resolves.toBeUndefined();
      await expect(store.clear()).resolves.toBeUndefined();
      const listed: string[] = [];
      for await (const [key] of store.entries()) listed.push(key);
      expect(listed).toEqual([]);
      await expect(store.close()).resolves.toBeUndefined();
    }, 20_000);
  });
}

/**
 * Opens the store in a child process, uses and closes it, and measures how
 * long the process takes to exit after close() returned.
 */
async function exitDelayAfterClose(url: string): Promise<number> {
  const dir = tempDir();
  const script = path.join(dir, 'use-store.mts');
  const storeModule = pathToFileURL(
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cache/store.ts'),
  ).href;
  fs.writeFileSync(
    script,
    [
      `import { openStore } from ${JSON.stringify(storeModule)};`,
      `const store = await openStore(process.argv[2] ?? '', ${JSON.stringify(dir)}, () => {});`,
      "await store.set('exit-test', 1);",
      "await store.get('exit-test');",
      'await store.close();',
      "process.stdout.write('closed\\n');",
      '',
    ].join('\n'),
  );
  const tsx = pathToFileURL(
    path.join(path.dirname(requireFromHere.resolve('tsx/package.json')), 'dist', 'loader.mjs'),
  ).href;
  const child = spawn(process.execPath, ['--import', tsx, script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let closedAt: number | undefined;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('closed')) closedAt ??= Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  if (closedAt === undefined) throw new Error(`the child never closed the store (exit ${code}):\n${stderr}`);
  return Date.now() - closedAt;
}

storeContract(sqliteBackend);
storeContract(redisBackend);
storeContract(postgresBackend);

describe('openStore URLs', () => {
  it('rejects an unsupported URL, naming it without its password and the URLs it takes', async () => {
    await expect(openStore('mysql://user:secret@db/cache', tempDir(), () => {})).rejects.toThrow(
      'unsupported cache URL mysql://user:***@db/cache: use sqlite://path, redis://host:port or ' +
        'postgres://user:password@host:port/db',
    );
  });

  it('creates the SQLite directory and resolves a relative path against the workspace', async () => {
    const root = tempDir();
    const store = await openStore('sqlite://nested/dir/cache.sqlite', root, () => {});
    await store.set('k', 1);
    await store.close();
    const again = await openStore(`sqlite://${path.join(root, 'nested/dir/cache.sqlite')}`, tempDir(), () => {});
    expect(await again.get('k')).toBe(1);
    await again.close();
  });
});
