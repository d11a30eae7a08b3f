import { describe, it, expect } from 'vitest';
import { SmartCache } from '../../src/perf/smart-cache.js';

const VALUES: [string, unknown][] = [
  ['empty string', ''],
  ['unicode string', 'héllo wörld 🚀 '.repeat(200)],
  ['string that looks like JSON', '{"a":1}'],
  ['Buffer', Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 7))],
  ['random-ish Buffer', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256))],
  ['object', { id: 1, tags: ['a', 'b'], nested: { ok: true, none: null, n: -1.5 }, text: 'x'.repeat(1000) }],
  ['array', [1, 'two', { three: 3 }, [4]]],
  ['number', 42],
  ['zero', 0],
  ['false', false],
  ['null', null],
];

describe('SmartCache value round trip', () => {
  for (const compressionEnabled of [true, false]) {
    for (const [name, data] of VALUES) {
      it(`${name} comes back exactly (compression ${compressionEnabled ? 'on' : 'off'})`, async () => {
        const cache = new SmartCache({ compressionEnabled });
        expect(await cache.set('k', data)).toBe(true);
        const back = await cache.get('k');
        expect(back).toEqual(data);
        if (Buffer.isBuffer(data)) expect(Buffer.isBuffer(back)).toBe(true);
        if (typeof data === 'string') expect(typeof back).toBe('string');
      });
    }
  }

  it('counts the compressed size against maxSize when compression helps', async () => {
    const text = 'abcabcabc'.repeat(10_000);
    const plain = new SmartCache();
    const packed = new SmartCache({ compressionEnabled: true });
    await plain.set('k', text);
    await packed.set('k', text);
    expect(plain.getMetrics().currentSize).toBe(90_001);
    expect(packed.getMetrics().currentSize).toBeLessThan(2_000);
  });

  it('stores a copy: mutating the value after set or get does not change the cache', async () => {
    const cache = new SmartCache();
    const buffer = Buffer.from('abc');
    const object = { list: [1] };
    await cache.set('b', buffer);
    await cache.set('o', object);
    buffer[0] = 0x7a;
    object.list.push(2);
    const got = await cache.get<Buffer>('b');
    got?.fill(0);
    expect(await cache.get('b')).toEqual(Buffer.from('abc'));
    expect(await cache.get('o')).toEqual({ list: [1] });
  });

  it('rejects values that cannot be serialised with a TypeError', async () => {
    const cache = new SmartCache();
    await expect(cache.set('u', undefined)).rejects.toThrow(TypeError);
    await expect(cache.set('f', () => 1)).rejects.toThrow(/not JSON-serialisable/);
    await expect(cache.set('n', 10n)).rejects.toThrow(TypeError);
  });

  it('a later write wins over an earlier one still compressing', async () => {
    const cache = new SmartCache({ compressionEnabled: true });
    const first = cache.set('k', 'first '.repeat(1000));
    const second = cache.set('k', 'second '.repeat(1000));
    expect(await Promise.all([first, second])).toEqual([false, true]);
    expect(await cache.get('k')).toBe('second '.repeat(1000));
    const late = cache.set('gone', 'x'.repeat(1000));
    await cache.delete('gone');
    expect(await late).toBe(false);
    expect(await cache.has('gone')).toBe(false);
  });
});
