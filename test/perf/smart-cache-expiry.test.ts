import { describe, it, expect } from 'vitest';
import { SmartCache } from '../../src/perf/smart-cache.js';

function clock(start = 1_000_000) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe('SmartCache TTL and versions', () => {
  it('expires entries lazily after ttl ms of the injected clock', async () => {
    const { time, now } = clock();
    const cache = new SmartCache({ ttl: 1000, now });
    await cache.set('k', 'v');
    time.now += 999;
    expect(await cache.get('k')).toBe('v');
    time.now += 1;
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0); // removed on the miss
    expect(cache.getMetrics()).toMatchObject({ hits: 1, misses: 1, currentSize: 0 });
  });

  it('a per-entry ttl overrides the default, and ttl 0 means never', async () => {
    const { time, now } = clock();
    const cache = new SmartCache({ ttl: 1000, now });
    await cache.set('short', 1, { ttl: 10 });
    await cache.set('forever', 2, { ttl: 0 });
    await cache.set('default', 3);
    time.now += 10;
    expect(await cache.has('short')).toBe(false);
    time.now += 10_000_000;
    expect(await cache.get('forever')).toBe(2);
    expect(await cache.get('default')).toBeUndefined();
  });

  it('without a ttl option entries never expire', async () => {
    const { time, now } = clock();
    const cache = new SmartCache({ now });
    await cache.set('k', 'v');
    time.now += 365 * 24 * 3600 * 1000;
    expect(await cache.get('k')).toBe('v');
  });

  it('an entry of another version is a miss and is removed', async () => {
    const writer = new SmartCache({ version: '1' });
    await writer.set('k', 'old', { version: '0' });
    expect(await writer.get('k')).toBeUndefined();
    expect(await writer.has('k', { version: '0' })).toBe(false); // already removed by the miss
    expect(writer.getMetrics()).toMatchObject({ misses: 1, currentSize: 0 });
  });

  it('get(key, { version }) must match the version given at set', async () => {
    const cache = new SmartCache({ version: '1' });
    await cache.set('k', 'v2', { version: '2' });
    expect(await cache.get('k', { version: '2' })).toBe('v2');
    expect(await cache.get('k', { version: '3' })).toBeUndefined();
    expect(await cache.get('k', { version: '2' })).toBeUndefined();
  });

  it('set without a version stores the cache version', async () => {
    const cache = new SmartCache({ version: 'schema-7' });
    await cache.set('k', { a: 1 });
    expect(await cache.get('k', { version: 'schema-7' })).toEqual({ a: 1 });
    expect(await cache.get('k', { version: 'schema-8' })).toBeUndefined();
  });
});
