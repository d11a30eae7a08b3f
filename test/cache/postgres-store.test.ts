// What the Postgres store does beyond the contract every backend keeps
// (store-contract.test.ts): its table, its own connection pool per store,
// a bounded wait for a server that stops answering, and no password in any
// message. Against a real server (postgres-server.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TABLE } from '../../src/cache/postgres-store.js';
import { openStore, redact } from '../../src/cache/store.js';
import type { CacheStore, OpenStoreOptions } from '../../src/cache/store.js';
import { tempDir } from './helpers.js';
import { POSTGRES_PASSWORD, startPostgres } from './postgres-server.js';
import type { PostgresServer } from './postgres-server.js';
import { withPostgres } from './store-backends.js';

describe('the Postgres cache store', () => {
  let server: PostgresServer;
  const opened: CacheStore[] = [];
  let errors: string[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const store of opened.splice(0)) await store.close();
    errors = [];
    await withPostgres(server.url, (client) => client.query(`DROP TABLE IF EXISTS ${TABLE}`));
  });

  async function open(url: string, options: OpenStoreOptions = {}): Promise<CacheStore> {
    const store = await openStore(url, tempDir(), (message) => errors.push(message), options);
    opened.push(store);
    return store;
  }

  it(`keeps its entries in the table ${TABLE}, keys under the runner: namespace`, async () => {
    const store = await open(server.url);
    await store.set('stage:abc', { r: 1 });
    const rows = await withPostgres(server.url, async (client) => {
      const result = await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${TABLE}`);
      return result.rows;
    });
    expect(rows).toEqual([{ key: 'runner:stage:abc', value: '{"value":{"r":1}}' }]);
  });

  it('takes postgresql:// URLs as well as postgres://', async () => {
    const url = server.url.replace(/^postgres:/, 'postgresql:');
    expect(url.startsWith('postgresql://runner:')).toBe(true);
    const store = await open(url);
    await store.set('k', 'v');
    expect(await (await open(server.url)).get('k')).toBe('v');
    expect(errors).toEqual([]);
  });

  it('refuses a wrong password at open, naming the URL without either password', async () => {
    const url = server.url.replace(POSTGRES_PASSWORD, 'not-the-password');
    const opening = openStore(url, tempDir(), (message) => errors.push(message));
    await expect(opening).rejects.toThrow(
      `cannot connect to ${redact(url)}: password authentication failed for user "runner"; ` +
        'check that the server is up and the URL is right',
    );
    const message = await opening.catch((error: Error) => error.message);
    expect(message).not.toContain('not-the-password');
    expect(errors).toEqual([]);
  });

  it('opens for a role that may only read the table, and reads what others wrote, saying nothing', async () => {
    const writer = await open(server.url);
    await writer.set('stage:x', { r: 1 });
    await withPostgres(server.url, async (client) => {
      await client.query("CREATE ROLE reader LOGIN PASSWORD 'reader-secret'");
      await client.query(`GRANT SELECT ON ${TABLE} TO reader`);
    });
    const reader = await open(server.url.replace(`runner:${POSTGRES_PASSWORD}`, 'reader:reader-secret'));
    // The first command waits for the store to be set up (the table made if missing).
    expect(await reader.get('stage:x')).toEqual({ r: 1 });
    expect(errors).toEqual([]);
  });

  it('read-only, leaves an expired entry it reads: a role that may only read may not delete it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    const writer = await open(server.url);
    await writer.set('stage:old', { r: 1 }, 60_000);
    await withPostgres(server.url, async (client) => {
      await client.query("CREATE ROLE old_reader LOGIN PASSWORD 'reader-secret'");
      await client.query(`GRANT SELECT ON ${TABLE} TO old_reader`);
    });
    const url = server.url.replace(`runner:${POSTGRES_PASSWORD}`, 'old_reader:reader-secret');
    const reader = await open(url, { isReadOnly: true });
    vi.setSystemTime(Date.UTC(2030, 0, 1) + 61_000);
    expect(await reader.get('stage:old')).toBeUndefined();
    expect(await reader.getMany(['stage:old', 'stage:none'])).toEqual([undefined, undefined]);
    const listed: string[] = [];
    for await (const [key] of reader.entries()) listed.push(key);
    expect(listed).toEqual([]);
    expect(errors).toEqual([]);
    const left = await withPostgres(
      server.url,
      async (client) => (await client.query(`SELECT key FROM ${TABLE}`)).rows,
    );
    expect(left).toEqual([{ key: 'runner:stage:old' }]);
    // A store that may write removes it, as Keyv does.
    expect(await writer.get('stage:old')).toBeUndefined();
    expect(
      await withPostgres(server.url, async (client) => (await client.query(`SELECT key FROM ${TABLE}`)).rows),
    ).toEqual([]);
  });

  it('gives each store a pool of its own: closing one leaves the others working', async () => {
    await withPostgres(server.url, async (client) => {
      await client.query('DROP DATABASE IF EXISTS other');
      await client.query('CREATE DATABASE other');
    });
    const otherUrl = server.url.replace(/\/postgres$/, '/other');
    const first = await open(server.url);
    const sameUrl = await open(server.url);
    const otherDatabase = await open(otherUrl);
    await first.set('k', 'first');
    await otherDatabase.set('k', 'other');
    await first.close();
    expect(await sameUrl.get('k')).toBe('first');
    expect(await otherDatabase.get('k')).toBe('other');
    await sameUrl.close();
    expect(await otherDatabase.get('k')).toBe('other');
    expect(errors).toEqual([]);
  });

  it('gives up a command the server never answers at its deadline (10 s), and closes', async () => {
    const store = await open(server.url);
    await store.set('k', 'v');
    const pid = await withPostgres(server.url, async (client) => {
      const result = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'runner' AND state = 'idle'",
      );
      return result.rows.map((row) => row.pid);
    });
    expect(pid.length).toBeGreaterThan(0);
    // The server processes behind the store's connections stop: they hold the socket and answer nothing.
    for (const backend of pid) process.kill(backend, 'SIGSTOP');
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let answer: unknown = 'pending';
      const get = store.get('k').then((value) => (answer = value));
      await vi.advanceTimersByTimeAsync(9_999);
      expect(answer).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      await get;
      expect(answer).toBeUndefined();
      expect(errors).toEqual([`cache store ${redact(server.url)}: get failed: no answer within 10 s`]);
      const closed = store.close();
      await vi.advanceTimersByTimeAsync(10_000);
      await closed;
    } finally {
      for (const backend of pid) process.kill(backend, 'SIGCONT');
    }
  });
});
