import { describe, it, expect } from 'vitest';
import { SmartCache } from '../../src/perf/smart-cache.js';
import { SmartCacheLayer } from '../../src/perf/smart-cache-layer.js';
import type { KeyvLikeStore } from '../../src/perf/smart-cache-layer.js';

function mapStore() {
  const data = new Map<string, unknown>();
  const calls = { get: 0, set: [] as [string, unknown, number | undefined][], delete: 0 };
  const store: KeyvLikeStore = {
    async get(key) {
      calls.get += 1;
      return data.get(key);
    },
    async set(key, value, ttl) {
      calls.set.push([key, value, ttl]);
      data.set(key, value);
      return true;
    },
    async delete(key) {
      calls.delete += 1;
      return data.delete(key);
    },
  };
  return { data, calls, store };
}

describe('SmartCacheLayer', () => {
  it('reads through: an L1 miss goes to the store once and fills L1', async () => {
    const { data, calls, store } = mapStore();
    data.set('k', { v: 1 });
    const layer = new SmartCacheLayer(store);
    expect(await layer.get('k')).toEqual({ v: 1 });
    expect(await layer.get('k')).toEqual({ v: 1 });
    expect(calls.get).toBe(1);
    expect(await layer.get('missing')).toBeUndefined();
    expect(calls.get).toBe(2);
  });

  it('writes through to the store (with the ttl) and to L1', async () => {
    const { data, calls, store } = mapStore();
    const layer = new SmartCacheLayer(store, new SmartCache());
    await layer.set('k', 'v', 5000);
    expect(calls.set).toEqual([['k', 'v', 5000]]);
    expect(data.get('k')).toBe('v');
    expect(await layer.get('k')).toBe('v');
    expect(calls.get).toBe(0);
    await layer.delete('k');
    expect(await layer.l1.has('k')).toBe(false);
    expect(data.has('k')).toBe(false);
  });

  it('serves a value L1 cannot serialise from the store', async () => {
    const { calls, store } = mapStore();
    const layer = new SmartCacheLayer(store);
    await layer.set('k', 10n);
    expect(await layer.get('k')).toBe(10n);
    expect(calls.get).toBe(1);
  });

  it('checks the store and a bad ttl eagerly', async () => {
    expect(() => new SmartCacheLayer({} as KeyvLikeStore)).toThrow(/store must have a get\(\) method/);
    const { calls, store } = mapStore();
    await expect(new SmartCacheLayer(store).set('k', 'v', -1)).rejects.toThrow(/ttl must be/);
    expect(calls.set).toEqual([]);
  });
});
