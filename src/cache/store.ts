// The shared cache store: Keyv over SQLite (.runner/cache.sqlite) by
// default, or Redis or Postgres (redis://..., postgres://...) so CI
// machines can share one cache. Loaded lazily: a no-op run whose stages all
// match the workspace state never opens it. A store error is a logged miss,
// never a crash.
import path from 'node:path';
import type Keyv from 'keyv';
import { withDeadline } from '../util/deadline.js';
import { messageOf } from '../util/errors.js';
import { isPostgresUrl, openPostgres } from './postgres-store.js';
import { isRedisUrl, openRedis } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';

export interface CacheStore {
  readonly url: string;
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  /** getMany, with when each entry expires (ms since the epoch; undefined: never). */
  getManyExpiring<T>(keys: string[]): Promise<(Expiring<T> | undefined)[]>;
  /** Whether each key has an entry (not its value: a blob's is megabytes). */
  hasMany(keys: string[]): Promise<boolean[]>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  setMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<void>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
  /** Every [key, value] (keys without the namespace). */
  entries(): AsyncGenerator<[string, unknown]>;
  close(): Promise<void>;
}

export const NAMESPACE = 'runner';

export interface Expiring<T> {
  value: T;
  /** When the entry expires, ms since the epoch; undefined: never. */
  expiresAt?: number;
}

/** A value already serialized as JSON: stored as it is, read back parsed. */
export class RawJson {
  readonly json: string;
  constructor(json: string) {
    this.json = json;
  }
}

export function defaultStoreUrl(stateDir: string): string {
  return `sqlite://${path.join(stateDir, 'cache.sqlite')}`;
}

export interface OpenStoreOptions {
  /** Whether a damaged SQLite file is moved aside for an empty one (default true; see SqliteStore). */
  isRepairable?: boolean;
  /** Never delete: not even an expired entry a read finds (Keyv's way), which a read-only role may not. */
  isReadOnly?: boolean;
}

/**
 * Opens the store at `url`; `onError` hears every distinct failure (once),
 * which then counts as a miss, and every repair of a damaged SQLite file.
 */
export async function openStore(
  url: string,
  root: string,
  onError: (message: string) => void,
  options: OpenStoreOptions = {},
): Promise<CacheStore> {
  const { report, stop } = reporter(url, onError);
  let lastEmitted: unknown;
  // Set once connected; an error emitted while connecting is reported as it is.
  let opened: Connection | undefined;
  const connection = await connect(url, root, {
    isRepairable: options.isRepairable !== false,
    warn: report,
    onOpen: (keyv) => {
      if (options.isReadOnly) keepExpired(keyv);
      keyv.on('error', (error: unknown) => {
        lastEmitted = error;
        if (!opened?.absorbs(error)) report(messageOf(error));
      });
    },
  });
  opened = connection;
  const failed = async (what: string, error: unknown, keyv: Keyv): Promise<void> => {
    if (error !== lastEmitted && !connection.absorbs(error)) report(`${what} failed: ${messageOf(error)}`);
    await connection.failed(error, keyv);
  };
  // A server that stops answering (hung, or the network gone) would hold a
  // command, and the run, forever: each one gets a deadline, and a store
  // that missed one is destroyed on close rather than waited for.
  const deadlineMs = sqliteFile(url, root) === undefined ? COMMAND_TIMEOUT_MS : undefined;
  let hasTimedOut = false;
  const inTime = <T>(action: Promise<T>): Promise<T> =>
    deadlineMs === undefined ? action : withDeadline(action, deadlineMs, () => (hasTimedOut = true));
  const guard = async <T>(what: string, action: (keyv: Keyv) => Promise<T>, fallback: T): Promise<T> => {
    const keyv = connection.keyv;
    try {
      return await inTime(action(keyv));
    } catch (error) {
      await failed(what, error, keyv);
      return fallback;
    }
  };
  const close = async (): Promise<void> => {
    stop();
    const keyv = connection.keyv;
    const adapter = keyv.store as { disconnect?: (force?: boolean) => Promise<void> };
    if (hasTimedOut && adapter.disconnect) await adapter.disconnect(true);
    else await keyv.disconnect();
  };
  // A listing cut short is reported and ends early, like any other store failure.
  return guardedStore({ url, connection, guard, inTime, close }, (error, keyv) =>
    failed('listing entries', error, keyv),
  );
}

/**
 * Reports each distinct failure once, as `cache store <url>: ...`. Keyv both
 * emits and throws some errors (it throws them all because of throwOnErrors,
 * without which a failed get is a silent miss), and a lost connection
 * repeats the same error for every listener and command: none is dropped
 * silently, none said twice. After `stop` (closing), nothing is said.
 */
function reporter(url: string, onError: (message: string) => void): { report(message: string): void; stop(): void } {
  const reported = new Set<string>();
  let isClosing = false;
  return {
    report: (message) => {
      // Commands cut off by closing the store are no news.
      if (isClosing || reported.has(message)) return;
      reported.add(message);
      onError(`${storeLabel(url)}${message}`);
    },
    stop: () => {
      isClosing = true;
    },
  };
}

/**
 * Keyv deletes an expired entry a read finds. A read-only store leaves it
 * (for a writer, or `cache prune`, to remove): read-only mode writes
 * nothing, and a role that may only read (pull requests) would be refused,
 * which failed the shared store for the rest of the run.
 */
function keepExpired(keyv: Keyv): void {
  Object.assign(keyv, { delete: async () => false, deleteMany: async () => false });
}

/** The Keyv a store works through; a SQLite one may replace its Keyv (SqliteStore). */
type Connection = Pick<SqliteStore, 'keyv' | 'absorbs' | 'failed'>;

type Guard = <T>(what: string, action: (keyv: Keyv) => Promise<T>, fallback: T) => Promise<T>;

/** The store's methods over Keyv, each failure a reported miss (`guard`), never a throw. */
function guardedStore(
  parts: {
    url: string;
    connection: Connection;
    guard: Guard;
    /** The action, or a rejection past the command deadline (a server's; a SQLite file has none). */
    inTime: <T>(action: Promise<T>) => Promise<T>;
    close: () => Promise<void>;
  },
  onListingError: (error: unknown, keyv: Keyv) => Promise<void>,
): CacheStore {
  const { url, connection, guard, inTime } = parts;
  return {
    url,
    get: <T>(key: string) => guard('get', async (keyv) => (await keyv.get(key)) as T | undefined, undefined),
    getMany: <T>(keys: string[]) =>
      guard(
        'getMany',
        async (keyv) => (keys.length === 0 ? [] : ((await keyv.getMany(keys)) as (T | undefined)[])),
        keys.map(() => undefined),
      ),
    getManyExpiring: <T>(keys: string[]) =>
      guard(
        'getMany',
        async (keyv) => {
          if (keys.length === 0) return [];
          const rows = (await keyv.getMany(keys, { raw: true })) as (
            | { value?: T; expires?: number | null }
            | undefined
          )[];
          return rows.map((row) =>
            row?.value === undefined
              ? undefined
              : { value: row.value, ...(typeof row.expires === 'number' ? { expiresAt: row.expires } : {}) },
          );
        },
        keys.map(() => undefined),
      ),
    hasMany: (keys) =>
      guard(
        'hasMany',
        async (keyv) => (keys.length === 0 ? [] : keyv.hasMany(keys)),
        keys.map(() => false),
      ),
    set: (key, value, ttlMs) => guard('set', async (keyv) => void (await keyv.set(key, value, ttlMs)), undefined),
    setMany: (entries) =>
      guard(
        'setMany',
        async (keyv) => void (await keyv.setMany(entries.map((e) => ({ key: e.key, value: e.value, ttl: e.ttlMs })))),
        undefined,
      ),
    delete: (key) => guard('delete', async (keyv) => void (await keyv.delete(key)), undefined),
    clear: () => guard('clear', async (keyv) => keyv.clear(), undefined),
    entries: async function* () {
      const keyv = connection.keyv;
      if (!keyv.iterator) return;
      try {
        // Each step within the deadline: a server that stops answering mid-listing (`cache stats --shared`) would hold the command.
        const entries = (keyv.iterator(NAMESPACE) as AsyncIterable<[string, unknown]>)[Symbol.asyncIterator]();
        for (let step = await inTime(entries.next()); !step.done; step = await inTime(entries.next())) yield step.value;
      } catch (error) {
        await onListingError(error, keyv);
      }
    },
    close: async () => {
      try {
        await parts.close();
      } catch {
        // closing a broken connection has nothing left to report
      }
    },
  };
}

/** The database file of a sqlite:// store URL; undefined for other stores. */
export function sqliteFile(url: string, root: string): string | undefined {
  return url.startsWith('sqlite://') ? path.resolve(root, url.slice('sqlite://'.length)) : undefined;
}

async function connect(url: string, root: string, options: Omit<SqliteStoreOptions, 'keyv'>): Promise<Connection> {
  const file = sqliteFile(url, root);
  if (file !== undefined)
    return SqliteStore.open(file, { ...options, keyv: { namespace: NAMESPACE, throwOnErrors: true, ...PLAIN_JSON } });
  const open = isRedisUrl(url) ? openRedis : isPostgresUrl(url) ? openPostgres : undefined;
  if (open === undefined)
    throw new Error(
      `unsupported cache URL ${redact(url)}: use sqlite://path, redis://host:port or postgres://user:password@host:port/db`,
    );
  const keyv = await open(url, {
    keyv: { namespace: NAMESPACE, throwOnErrors: true, ...PLAIN_JSON },
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    onOpen: options.onOpen,
  }).catch((error: unknown) => {
    throw cannotConnect(url, error);
  });
  return { keyv, absorbs: () => false, failed: async () => {} };
}

function cannotConnect(url: string, error: unknown): Error {
  const reason = messageOf(error);
  return new Error(`cannot connect to ${redact(url)}: ${reason}; check that the server is up and the URL is right`);
}

const CONNECT_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 10_000;

// Every value is plain JSON (records, results, stage records); Keyv's
// default serializer walks each value for Buffers and escapes strings, about
// twice as slow, which shows with tens of thousands of item entries a run.
const PLAIN_JSON = {
  serialize: (data: { value?: unknown; expires?: number | null }): string =>
    data.value instanceof RawJson
      ? `{"value":${data.value.json},"expires":${JSON.stringify(data.expires ?? null)}}`
      : JSON.stringify(data),
  deserialize: <T>(text: string): T => JSON.parse(text) as T,
};

/** What a store's problems start with (openStore's onError): `cache store <url without password>: `. */
export function storeLabel(url: string): string {
  return `cache store ${redact(url)}: `;
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
