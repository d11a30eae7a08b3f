// Workspaces sharing one real shared store, Redis or PostgreSQL (started by
// the test on a free port): each workspace stands for a CI machine. Raw
// access to the server lets a test look at, or tamper with, what the runner
// stored there. The shared-cache tests run once per backend (describe.each
// over SHARED_BACKENDS), so each promise is kept by both.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { TABLE } from '../../src/cache/postgres-store.js';
import { startPostgres } from '../cache/postgres-server.js';
import { startRedis } from '../cache/redis-server.js';
import { withPostgres, withRedis } from '../cache/store-backends.js';
import { Workspace } from './rig.js';

/** Pipeline p: one stage, make, doubling in.txt into out/double.txt (an output to share). */
export function oneStageFiles(input = 'a\n', pipeline = 'p'): Record<string, string> {
  const yaml = `version: 1
pipelines:
  ${pipeline}:
    stages:
      make:
        shell: "mkdir -p out && cat in.txt in.txt > out/double.txt"
        inputs: [in.txt]
        outputs: [out/double.txt]
`;
  return { 'pipelines.yaml': yaml, 'in.txt': input };
}

export type SharedBackend = 'redis' | 'postgres';

export const SHARED_BACKENDS: readonly SharedBackend[] = ['redis', 'postgres'];

export interface SharedServer {
  /** The URL runner is given (Postgres's has a password in it). */
  url: string;
  /** Stops the server at once and waits for it to exit. */
  stop(): Promise<void>;
}

export function startShared(backend: SharedBackend): Promise<SharedServer> {
  return backend === 'redis' ? startRedis() : startPostgres();
}

/** What runner stored on a server, by its keys without the runner namespace (`stage:...`, `blob:...`). */
export interface StoredEntries {
  keys(): Promise<string[]>;
  /** The stored text of an entry (Keyv's `{"value":...,"expires":...}`). */
  getRaw(key: string): Promise<string | undefined>;
  setRaw(key: string, value: string): Promise<void>;
  deleteRaw(key: string): Promise<void>;
  /** Removes everything (between tests). */
  clear(): Promise<void>;
}

export function storedEntries(backend: SharedBackend, url: string): StoredEntries {
  return backend === 'redis' ? redisEntries(url) : postgresEntries(url);
}

export interface SharedCacheRig extends Omit<StoredEntries, 'clear'> {
  url(): string;
  /** A fresh workspace with these files. */
  machine(files: Record<string, string>): Workspace;
}

/** Starts the backend's server before the file's tests and stops it after; removes workspaces after each test. */
export function sharedCacheRig(backend: SharedBackend): SharedCacheRig {
  let server: SharedServer | undefined;
  const workspaces: Workspace[] = [];
  beforeAll(async () => {
    server = await startShared(backend);
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const ws of workspaces.splice(0)) ws.remove();
    if (server) await storedEntries(backend, server.url).clear();
  });
  const url = (): string => {
    if (!server) throw new Error(`the ${backend} server was not started`);
    return server.url;
  };
  return {
    url,
    machine: (files) => {
      const ws = new Workspace();
      for (const [file, content] of Object.entries(files)) ws.write(file, content);
      workspaces.push(ws);
      return ws;
    },
    keys: () => storedEntries(backend, url()).keys(),
    getRaw: (key) => storedEntries(backend, url()).getRaw(key),
    setRaw: (key, value) => storedEntries(backend, url()).setRaw(key, value),
    deleteRaw: (key) => storedEntries(backend, url()).deleteRaw(key),
  };
}

// Redis keys are the namespace, '::' and the key (KeyvRedis's own prefix).
const REDIS_PREFIX = 'runner::';

function redisEntries(url: string): StoredEntries {
  return {
    keys: () =>
      withRedis(url, async (client) =>
        (await client.keys(`${REDIS_PREFIX}*`)).map((key) => key.slice(REDIS_PREFIX.length)),
      ),
    getRaw: (key) => withRedis(url, async (client) => (await client.get(REDIS_PREFIX + key)) ?? undefined),
    setRaw: (key, value) => withRedis(url, async (client) => void (await client.set(REDIS_PREFIX + key, value))),
    deleteRaw: (key) => withRedis(url, async (client) => void (await client.del(REDIS_PREFIX + key))),
    clear: () => withRedis(url, async (client) => void (await client.flushAll())),
  };
}

// Postgres keys are the namespace, ':' and the key (Keyv's prefix), in one table.
const POSTGRES_PREFIX = 'runner:';

function postgresEntries(url: string): StoredEntries {
  const table = async (): Promise<boolean> =>
    withPostgres(url, async (client) => {
      const { rows } = await client.query<{ has: boolean }>(`SELECT to_regclass('${TABLE}') IS NOT NULL AS has`);
      return rows[0]?.has === true;
    });
  return {
    keys: async () => {
      if (!(await table())) return [];
      return withPostgres(url, async (client) => {
        const { rows } = await client.query<{ key: string }>(`SELECT key FROM ${TABLE} WHERE key LIKE 'runner:%'`);
        return rows.map((row) => row.key.slice(POSTGRES_PREFIX.length));
      });
    },
    getRaw: (key) =>
      withPostgres(url, async (client) => {
        const query = `SELECT value FROM ${TABLE} WHERE key = $1`;
        return (await client.query<{ value: string }>(query, [POSTGRES_PREFIX + key])).rows[0]?.value;
      }),
    setRaw: (key, value) =>
      withPostgres(url, async (client) => {
        const upsert = `INSERT INTO ${TABLE} VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
        await client.query(upsert, [POSTGRES_PREFIX + key, value]);
      }),
    deleteRaw: (key) =>
      withPostgres(
        url,
        async (client) => void (await client.query(`DELETE FROM ${TABLE} WHERE key = $1`, [POSTGRES_PREFIX + key])),
      ),
    clear: () => withPostgres(url, async (client) => void (await client.query(`DROP TABLE IF EXISTS ${TABLE}`))),
  };
}
