// The shared cache store: Keyv over SQLite (.runner/cache.sqlite) by
// default, or any Keyv URL (redis://...) so CI machines can share one
// cache. Loaded lazily: a no-op run whose stages all match the workspace
// state never opens it. A store error is a logged miss, never a crash.
import fs from 'node:fs';
import path from 'node:path';
import type Keyv from 'keyv';
import { requirePackage } from '../util/require.js';
import { messageOf } from '../util/errors.js';

export interface CacheStore {
  readonly url: string;
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  setMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<void>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
  /** Every [key, value] (keys without the namespace). */
  entries(): AsyncGenerator<[string, unknown]>;
  close(): Promise<void>;
}

export const NAMESPACE = 'runner';

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

/** Opens the store at `url`; `onError` hears every distinct failure (once), which then counts as a miss. */
export async function openStore(url: string, root: string, onError: (message: string) => void): Promise<CacheStore> {
  const keyv = await connect(url, root);
  // Keyv both emits and throws some errors (it throws them all because of
  // throwOnErrors, without which a failed get is a silent miss), and a lost
  // Redis connection repeats the same error for every listener and command:
  // each distinct failure is reported once, none is dropped silently.
  const reported = new Set<string>();
  let isClosing = false;
  const report = (message: string): void => {
    // Commands cut off by closing the store are no news.
    if (isClosing || reported.has(message)) return;
    reported.add(message);
    onError(`cache store ${redact(url)}: ${message}`);
  };
  let lastEmitted: unknown;
  keyv.on('error', (error: unknown) => {
    lastEmitted = error;
    report(messageOf(error));
  });
  // A Redis server that stops answering (hung, or the network gone) would
  // hold a command, and the run, forever: each one gets a deadline, and a
  // store that missed one is destroyed on close rather than waited for.
  const deadlineMs = isRedisUrl(url) ? COMMAND_TIMEOUT_MS : undefined;
  let hasTimedOut = false;
  const guard = async <T>(what: string, action: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      if (deadlineMs === undefined) return await action();
      return await withDeadline(action(), deadlineMs, () => (hasTimedOut = true));
    } catch (error) {
      if (error !== lastEmitted) report(`${what} failed: ${messageOf(error)}`);
      return fallback;
    }
  };
  const close = async (): Promise<void> => {
    isClosing = true;
    const adapter = keyv.store as { disconnect?: (force?: boolean) => Promise<void> };
    if (hasTimedOut && adapter.disconnect) await adapter.disconnect(true);
    else await keyv.disconnect();
  };
  return guardedStore({ url, keyv, guard, close }, (error) => {
    // A listing cut short is reported and ends early, like any other store failure.
    if (error !== lastEmitted) report(`listing entries failed: ${messageOf(error)}`);
  });
}

/** `action`, or a rejection when it has not settled within `ms` (`onTimeout` is told first). */
function withDeadline<T>(action: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no answer within ${ms / 1000} s`));
    }, ms);
  });
  // Whatever the action does after its deadline has passed is of no interest.
  action.catch(() => {});
  return Promise.race([action, deadline]).finally(() => clearTimeout(timer));
}

function isRedisUrl(url: string): boolean {
  return url.startsWith('redis://') || url.startsWith('rediss://');
}

type Guard = <T>(what: string, action: () => Promise<T>, fallback: T) => Promise<T>;

/** The store's methods over Keyv, each failure a reported miss (`guard`), never a throw. */
function guardedStore(
  parts: { url: string; keyv: Keyv; guard: Guard; close: () => Promise<void> },
  onListingError: (error: unknown) => void,
): CacheStore {
  const { url, keyv, guard } = parts;
  return {
    url,
    get: <T>(key: string) => guard('get', async () => (await keyv.get(key)) as T | undefined, undefined),
    getMany: <T>(keys: string[]) =>
      guard(
        'getMany',
        async () => (keys.length === 0 ? [] : ((await keyv.getMany(keys)) as (T | undefined)[])),
        keys.map(() => undefined),
      ),
    set: (key, value, ttlMs) => guard('set', async () => void (await keyv.set(key, value, ttlMs)), undefined),
    setMany: (entries) =>
      guard(
        'setMany',
        async () => void (await keyv.setMany(entries.map((e) => ({ key: e.key, value: e.value, ttl: e.ttlMs })))),
        undefined,
      ),
    delete: (key) => guard('delete', async () => void (await keyv.delete(key)), undefined),
    clear: () => guard('clear', async () => keyv.clear(), undefined),
    entries: async function* () {
      if (!keyv.iterator) return;
      try {
        for await (const [key, value] of keyv.iterator(NAMESPACE) as AsyncIterable<[string, unknown]>)
          yield [key, value];
      } catch (error) {
        onListingError(error);
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

async function connect(url: string, root: string): Promise<Keyv> {
  const { Keyv } = await import('keyv');
  const file = sqliteFile(url, root);
  if (file !== undefined) {
    const { KeyvSqlite } = requirePackage('@keyv/sqlite') as typeof import('@keyv/sqlite');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
    // WAL with NORMAL sync: a commit is durable against a process crash and
    // costs no fsync per write, which matters for one write per stage.
    await adapter.query('PRAGMA journal_mode=WAL');
    await adapter.query('PRAGMA synchronous=NORMAL');
    addBatchedSetMany(adapter);
    return new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true, ...PLAIN_JSON });
  }
  if (isRedisUrl(url)) {
    const { default: KeyvRedis } = requirePackage('@keyv/redis') as typeof import('@keyv/redis');
    // No offline queue and no background reconnect loop: with the server gone,
    // node-redis would otherwise queue every command until it comes back (a
    // run hangs forever) and report each reconnect attempt. A command now
    // fails at once (a logged miss) and the next one connects again.
    // The connect timeout is node-redis's own: KeyvRedis's `connectionTimeout`
    // races connect() against a timer it never clears, which kept every
    // command that used Redis alive for 5 s after its work was done.
    const adapter = new KeyvRedis(
      { url, disableOfflineQueue: true, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } },
      { throwOnConnectError: true },
    );
    // Connected before the first command: without the offline queue, commands
    // sent while the first connect is still in flight fail ("The client is
    // offline"), and a run's first lookups all missed. A server that does not
    // answer within the timeout fails the open, which the caller reports.
    await connectRedis(adapter.client as unknown as RedisConnectable, url);
    return new Keyv({ store: adapter, namespace: NAMESPACE, useKeyPrefix: false, throwOnErrors: true, ...PLAIN_JSON });
  }
  throw new Error(`unsupported cache URL ${redact(url)}: use sqlite://path or redis://host:port`);
}

interface RedisConnectable {
  connect(): Promise<unknown>;
  ping(): Promise<unknown>;
  destroy(): void;
}

/** Connected and answering (a PING) within the connect timeout, or an error; a half-open client is destroyed. */
async function connectRedis(client: RedisConnectable, url: string): Promise<void> {
  try {
    await withDeadline(
      client.connect().then(() => client.ping()),
      CONNECT_TIMEOUT_MS,
      () => {},
    );
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // nothing left to close
    }
    throw new Error(`cannot connect to ${redact(url)}: ${messageOf(error)}`);
  }
}

const CONNECT_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 10_000;
const ROWS_PER_INSERT = 400; // 2 parameters a row, under SQLite's default limit of 999

/**
 * @keyv/sqlite has no setMany, so Keyv would send one INSERT (one
 * transaction) per entry: a map stage saving 20,000 item results made
 * 20,000 round trips to SQLite. This one sends one multi-row upsert per 400.
 */
function addBatchedSetMany(adapter: {
  query(sql: string, ...params: unknown[]): Promise<unknown>;
  opts: { table?: string };
}): void {
  const table = adapter.opts.table ?? 'keyv';
  Object.assign(adapter, {
    async setMany(entries: { key: string; value: unknown }[]): Promise<boolean[]> {
      for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
        const rows = entries.slice(start, start + ROWS_PER_INSERT);
        const sql = `INSERT INTO ${table} (key, value) VALUES ${rows.map(() => '(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET value=excluded.value`;
        await adapter.query(sql, ...rows.flatMap((row) => [row.key, row.value]));
      }
      return entries.map(() => true);
    },
  });
}

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

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
