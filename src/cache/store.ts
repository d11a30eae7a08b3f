// The shared cache store: Keyv over SQLite (.runner/cache.sqlite) by
// default, or any Keyv URL (redis://...) so CI machines can share one
// cache. Loaded lazily: a no-op run whose stages all match the workspace
// state never opens it. A store error is a logged miss, never a crash.
import fs from 'node:fs';
import path from 'node:path';
import type Keyv from 'keyv';
import { requirePackage } from '../util/require.js';

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

export function defaultStoreUrl(stateDir: string): string {
  return `sqlite://${path.join(stateDir, 'cache.sqlite')}`;
}

/** Opens the store at `url`; `onError` hears every failure, which then counts as a miss. */
export async function openStore(url: string, root: string, onError: (message: string) => void): Promise<CacheStore> {
  const keyv = await connect(url, root);
  keyv.on('error', (error: unknown) => onError(`cache store ${redact(url)}: ${(error as Error).message ?? String(error)}`));
  const guard = async <T>(what: string, action: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      onError(`cache store ${redact(url)}: ${what} failed: ${(error as Error).message}`);
      return fallback;
    }
  };
  return {
    url,
    get: <T>(key: string) => guard('get', async () => (await keyv.get(key)) as T | undefined, undefined),
    getMany: <T>(keys: string[]) =>
      guard('getMany', async () => (keys.length === 0 ? [] : ((await keyv.getMany(keys)) as (T | undefined)[])), keys.map(() => undefined)),
    set: (key, value, ttlMs) => guard('set', async () => void (await keyv.set(key, value, ttlMs)), undefined),
    setMany: (entries) =>
      guard('setMany', async () => void (await keyv.setMany(entries.map((e) => ({ key: e.key, value: e.value, ttl: e.ttlMs })))), undefined),
    delete: (key) => guard('delete', async () => void (await keyv.delete(key)), undefined),
    clear: () => guard('clear', async () => keyv.clear(), undefined),
    entries: async function* () {
      if (!keyv.iterator) return;
      for await (const [key, value] of keyv.iterator(NAMESPACE) as AsyncIterable<[string, unknown]>) yield [key, value];
    },
    close: async () => {
      try {
        await keyv.disconnect();
      } catch {
        // closing a broken connection has nothing left to report
      }
    },
  };
}

async function connect(url: string, root: string): Promise<Keyv> {
  const { Keyv } = await import('keyv');
  if (url.startsWith('sqlite://')) {
    const { KeyvSqlite } = requirePackage('@keyv/sqlite') as typeof import('@keyv/sqlite');
    const file = path.resolve(root, url.slice('sqlite://'.length));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
    // WAL with NORMAL sync: a commit is durable against a process crash and
    // costs no fsync per write, which matters for one write per stage.
    await adapter.query('PRAGMA journal_mode=WAL');
    await adapter.query('PRAGMA synchronous=NORMAL');
    return new Keyv({ store: adapter, namespace: NAMESPACE });
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const { default: KeyvRedis } = requirePackage('@keyv/redis') as typeof import('@keyv/redis');
    const adapter = new KeyvRedis(url, { throwOnConnectError: true, connectionTimeout: 5000 });
    return new Keyv({ store: adapter, namespace: NAMESPACE, useKeyPrefix: false });
  }
  throw new Error(`unsupported cache URL ${redact(url)}: use sqlite://path or redis://host:port`);
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
