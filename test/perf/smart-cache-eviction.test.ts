import { describe, it, expect } from 'vitest';
import { SmartCache } from '../../src/perf/smart-cache.js';

const MB = 1024 * 1024;
/** Room for exactly `n` entries of a 1-byte key and a 100-character string. */
const roomFor = (n: number): number => (n * 101) / MB;
const value = (c: string): string => c.repeat(100);

async function keysIn(cache: SmartCache, keys: string[]): Promise<string[]> {
  const present: string[] = [];
  for (const key of keys) if (await cache.has(key)) present.push(key);
  return present;
}

describe('SmartCache LRU eviction and size bound', () => {
  it('evicts the least recently used entry first', async () => {
    const cache = new SmartCache({ maxSize: roomFor(3) });
    for (const key of ['a', 'b', 'c']) await cache.set(key, value(key));
    await cache.set('d', value('d'));
    expect(await keysIn(cache, ['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'd']);
    expect(cache.getMetrics().evictions).toBe(1);
  });

  it('get refreshes recency; has does not', async () => {
    const cache = new SmartCache({ maxSize: roomFor(3) });
    for (const key of ['a', 'b', 'c']) await cache.set(key, value(key));
    expect(await cache.get('a')).toBe(value('a'));
    expect(await cache.has('b')).toBe(true);
    await cache.set('d', value('d')); // b is now the oldest
    expect(await keysIn(cache, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    await cache.set('e', value('e')); // then c
    expect(await keysIn(cache, ['a', 'b', 'c', 'd', 'e'])).toEqual(['a', 'd', 'e']);
  });

  it('overwriting a key replaces its size rather than adding to it', async () => {
    const cache = new SmartCache({ maxSize: roomFor(2) });
    await cache.set('a', value('a'));
    await cache.set('a', value('A'));
    await cache.set('b', value('b'));
    expect(cache.getMetrics().currentSize).toBe(202);
    expect(await cache.get('a')).toBe(value('A'));
    expect(cache.getMetrics().evictions).toBe(0);
  });

  it('never stores more bytes than maxSize, whatever the sequence of writes', async () => {
    const cache = new SmartCache({ maxSize: 0.01 }); // 10485 bytes
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i += 1) {
      const key = `k${Math.floor(random() * 60)}`;
      const size = Math.floor(random() * 3000);
      await cache.set(key, random() < 0.5 ? 'x'.repeat(size) : Buffer.alloc(size, 1));
      if (random() < 0.3) await cache.get(`k${Math.floor(random() * 60)}`);
      const { currentSize, maxSize } = cache.getMetrics();
      expect(currentSize).toBeLessThanOrEqual(maxSize);
    }
    expect(cache.getMetrics().maxSize).toBe(Math.floor(0.01 * MB));
    expect(cache.getMetrics().evictions).toBeGreaterThan(0);
  });

  it('does not store an entry larger than maxSize, and drops the old value of that key', async () => {
    const cache = new SmartCache({ maxSize: roomFor(2) });
    await cache.set('a', value('a'));
    await cache.set('b', value('b'));
    expect(await cache.set('b', 'y'.repeat(500))).toBe(false);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(value('a')); // nothing else was evicted for it
    expect(cache.getMetrics().currentSize).toBe(101);
  });

  it('delete and clear free their bytes', async () => {
    const cache = new SmartCache();
    await cache.set('a', value('a'));
    await cache.set('b', value('b'));
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.delete('a')).toBe(false);
    expect(cache.getMetrics().currentSize).toBe(101);
    await cache.clear();
    expect(cache.getMetrics().currentSize).toBe(0);
    expect(cache.size).toBe(0);
  });
});
