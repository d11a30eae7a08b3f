// The cache store backends the contract (store-contract.test.ts) runs
// against: SQLite in a temp directory, and real Redis and PostgreSQL servers
// started here. Each gives fresh URLs, raw access to keys outside the
// runner's namespace, and a store it can break from outside.
import { createRequire } from 'node:module';
import path from 'node:path';
import { createClient } from '@keyv/redis';
import pg from 'pg';
import { TABLE } from '../../src/cache/postgres-store.js';
import { tempDir } from './helpers.js';
import { startPostgres } from './postgres-server.js';
import type { PostgresServer } from './postgres-server.js';
import { startRedis } from './redis-server.js';
import type { RedisServer } from './redis-server.js';

/** What the contract needs from a backend besides the URL. */
export interface Backend {
  name: string;
  beforeAll(): Promise<void>;
  afterAll(): Promise<void>;
  /** A URL with no entries yet. */
  freshUrl(): Promise<string>;
  /** Writes a key that belongs to someone else (outside the runner namespace). */
  putForeign(url: string, key: string, value: string): Promise<void>;
  getForeign(url: string, key: string): Promise<string | undefined>;
  /** A store on its own URL, plus a way to make the backend fail under it. */
  breakable(): Promise<{ url: string; breakIt(): Promise<void> }>;
}

// ---------------------------------------------------------------- sqlite
interface Sqlite3Database {
  run(sql: string, params: unknown[], callback: (error: Error | null) => void): void;
  get(sql: string, params: unknown[], callback: (error: Error | null, row?: { value: string }) => void): void;
  close(callback: (error: Error | null) => void): void;
}
type Sqlite3 = { Database: new (file: string) => Sqlite3Database };

async function withSqlite<T>(url: string, use: (db: Sqlite3Database) => Promise<T>): Promise<T> {
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as Sqlite3;
  const db = new sqlite3.Database(url.slice('sqlite://'.length));
  try {
    return await use(db);
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

const sqlRun = (db: Sqlite3Database, sql: string, params: unknown[] = []): Promise<void> =>
  new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));

export const sqliteBackend: Backend = {
  name: 'sqlite',
  beforeAll: async () => {},
  afterAll: async () => {},
  freshUrl: async () => `sqlite://${path.join(tempDir(), 'cache.sqlite')}`,
  putForeign: (url, key, value) =>
    withSqlite(url, (db) => sqlRun(db, 'INSERT INTO keyv (key, value) VALUES (?, ?)', [key, value])),
  getForeign: (url, key) =>
    withSqlite(
      url,
      (db) =>
        new Promise((resolve, reject) =>
          db.get('SELECT value FROM keyv WHERE key = ?', [key], (e, row) => (e ? reject(e) : resolve(row?.value))),
        ),
    ),
  breakable: async () => {
    const url = await sqliteBackend.freshUrl();
    // Someone drops the table under the open store: every statement fails.
    return { url, breakIt: () => withSqlite(url, (db) => sqlRun(db, 'DROP TABLE keyv')) };
  },
};

// ---------------------------------------------------------------- redis
let redis: RedisServer | undefined;
let redisSetupError: unknown;
const extraServers: RedisServer[] = [];

function redisServer(): RedisServer {
  if (redis) return redis;
  throw redisSetupError instanceof Error ? redisSetupError : new Error('redis-server was not started');
}

const rawClient = (url: string) => createClient({ url });
type RawClient = ReturnType<typeof rawClient>;

export async function withRedis<T>(url: string, use: (client: RawClient) => Promise<T>): Promise<T> {
  const client = rawClient(url);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.quit();
  }
}

export const redisBackend: Backend = {
  name: 'redis',
  beforeAll: async () => {
    // Kept rather than thrown: every test then fails with this message
    // (a throwing beforeAll would list the tests as skipped).
    try {
      redis = await startRedis();
    } catch (error) {
      redisSetupError = error;
    }
  },
  afterAll: async () => {
    await redis?.stop();
    for (const server of extraServers.splice(0)) await server.stop();
  },
  freshUrl: async () => {
    const url = redisServer().url;
    await withRedis(url, (client) => client.flushAll());
    return url;
  },
  putForeign: (url, key, value) => withRedis(url, async (client) => void (await client.set(key, value))),
  getForeign: (url, key) => withRedis(url, async (client) => (await client.get(key)) ?? undefined),
  breakable: async () => {
    redisServer();
    const own = await startRedis();
    extraServers.push(own);
    return { url: own.url, breakIt: () => own.stop() };
  },
};

// ---------------------------------------------------------------- postgres
let postgres: PostgresServer | undefined;
let postgresSetupError: unknown;
const extraPostgres: PostgresServer[] = [];

function postgresServer(): PostgresServer {
  if (postgres) return postgres;
  throw postgresSetupError instanceof Error ? postgresSetupError : new Error('postgres was not started');
}

export async function withPostgres<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export const postgresBackend: Backend = {
  name: 'postgres',
  beforeAll: async () => {
    // Kept rather than thrown, as for Redis.
    try {
      postgres = await startPostgres();
    } catch (error) {
      postgresSetupError = error;
    }
  },
  afterAll: async () => {
    await postgres?.stop();
    for (const server of extraPostgres.splice(0)) await server.stop();
  },
  freshUrl: async () => {
    const url = postgresServer().url;
    await withPostgres(url, (client) => client.query(`DROP TABLE IF EXISTS ${TABLE}`));
    return url;
  },
  putForeign: (url, key, value) =>
    withPostgres(
      url,
      async (client) => void (await client.query(`INSERT INTO ${TABLE} VALUES ($1, $2)`, [key, value])),
    ),
  getForeign: (url, key) =>
    withPostgres(url, async (client) => {
      const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${TABLE} WHERE key = $1`, [key]);
      return rows[0]?.value;
    }),
  breakable: async () => {
    postgresServer();
    const own = await startPostgres();
    extraPostgres.push(own);
    return { url: own.url, breakIt: () => own.stop() };
  },
};
