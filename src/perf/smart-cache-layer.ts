// SmartCache in front of a slower store (Keyv): a read served from memory
// saves the round trip; writes go to both.
import { SmartCache, ttlArg } from './smart-cache.js';

export interface KeyvLikeStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/**
 * A SmartCache in front of a slower Keyv-like store: reads go to L1 first and
 * fill it from the store on a miss; writes and deletes go to the store first,
 * then L1, so L1 never holds a value the store refused. An L1 fill from the
 * store uses the cache's default ttl: keep it at most the store's ttl.
 */
export class SmartCacheLayer {
  readonly #store: KeyvLikeStore;
  readonly #l1: SmartCache;

  constructor(store: KeyvLikeStore, l1: SmartCache = new SmartCache()) {
    for (const method of ['get', 'set', 'delete'] as const) {
      if (typeof store?.[method] !== 'function') {
        throw new TypeError(`SmartCacheLayer: store must have a ${method}() method, got ${typeof store?.[method]}`);
      }
    }
    this.#store = store;
    this.#l1 = l1;
  }

  get l1(): SmartCache {
    return this.#l1;
  }

  async get<V = unknown>(key: string): Promise<V | undefined> {
    const cached = await this.#l1.get<V>(key);
    if (cached !== undefined) return cached;
    const stored = (await this.#store.get(key)) as V | undefined;
    if (stored !== undefined) await this.#fill(key, stored);
    return stored;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    if (ttl !== undefined) ttlArg(ttl); // before the store write, so a bad ttl writes nothing
    await this.#store.set(key, value, ttl);
    await this.#fill(key, value, ttl);
  }

  async delete(key: string): Promise<void> {
    await this.#store.delete(key);
    await this.#l1.delete(key);
  }

  async #fill(key: string, value: unknown, ttl?: number): Promise<void> {
    try {
      await this.#l1.set(key, value, ttl === undefined ? undefined : { ttl });
    } catch (error) {
      // Only a value L1 cannot serialize lands here; the store holds it, so it
      // is served from there and L1 simply does not cache it. Drop any stale copy.
      if (!(error instanceof TypeError)) throw error;
      await this.#l1.delete(key);
    }
  }
}
