import { describe, it, expect } from 'vitest';
import { SmartCache } from '../../src/perf/smart-cache.js';

describe('SmartCache metrics', () => {
  it('counts hits, misses, sets, deletes and evictions', async () => {
    const cache = new SmartCache({ maxSize: 20 / (1024 * 1024) });
    await cache.set('a', '123456789'); // 10 bytes with its key
    await cache.set('b', '123456789');
    await cache.get('a');
    await cache.get('zzz');
    await cache.set('c', '123456789'); // evicts b
    await cache.delete('a');
    await cache.delete('nothing');
    expect(cache.getMetrics()).toEqual({
      hits: 1,
      misses: 1,
      sets: 3,
      deletes: 1,
      evictions: 1,
      hitRate: 0.5,
      currentSize: 10,
      maxSize: 20,
    });
  });

  it('hitRate is 0 before any lookup', () => {
    expect(new SmartCache().getMetrics().hitRate).toBe(0);
  });

  it('with metricsEnabled false reports zero counters and a null hitRate (sizes stay real)', async () => {
    const cache = new SmartCache({ metricsEnabled: false });
    await cache.set('a', 'x');
    await cache.get('a');
    await cache.get('b');
    await cache.delete('a');
    await cache.set('c', 'y');
    expect(cache.getMetrics()).toEqual({
      hits: 0,
      misses: 0,
      sets: 0,
      deletes: 0,
      evictions: 0,
      hitRate: null,
      currentSize: 2,
      maxSize: 64 * 1024 * 1024,
    });
  });
});
