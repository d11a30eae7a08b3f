// An entry read through from the shared store is kept in the local tier
// until it expires in the shared one: a memo another machine set with a TTL
// (ctx.memo.set(key, value, ttlMs)) is not served here for good once read.
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seal } from '../../src/cache/signing.js';
import { openStore } from '../../src/cache/store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { TieredStore } from '../../src/cache/tiered-store.js';
import { tempDir } from './helpers.js';

const opened: CacheStore[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const store of opened.splice(0)) await store.close();
});

async function sqlite(): Promise<CacheStore> {
  const store = await openStore(`sqlite://${path.join(tempDir(), 'cache.sqlite')}`, tempDir(), (m) => {
    throw new Error(m);
  });
  opened.push(store);
  return store;
}

describe('an entry read through from the shared store', () => {
  it.each(['get', 'getMany'] as const)('expires locally when it expires in the shared store (%s)', async (read) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    const [local, shared] = [await sqlite(), await sqlite()];
    const tiered = new TieredStore({ isReadOnly: false, local, shared, warn: (m) => expect.fail(m) });
    await shared.set('memo:p/s:token', seal('memo:p/s:token', 'T', undefined), 60_000);
    await shared.set('stage:forever', seal('stage:forever', 'F', undefined));
    vi.setSystemTime(Date.now() + 20_000);

    const values =
      read === 'get'
        ? [await tiered.get('memo:p/s:token'), await tiered.get('stage:forever')]
        : await tiered.getMany(['memo:p/s:token', 'stage:forever']);
    expect(values).toEqual(['T', 'F']);
    expect(await local.getMany(['memo:p/s:token', 'stage:forever'])).toEqual(['T', 'F']);

    // Just before the shared entry expires, the local copy is there; after, it is gone, as in the shared store.
    vi.setSystemTime(Date.now() + 39_999);
    expect(await local.get('memo:p/s:token')).toBe('T');
    vi.setSystemTime(Date.now() + 2);
    expect(await local.get('memo:p/s:token')).toBeUndefined();
    expect(await tiered.get('memo:p/s:token')).toBeUndefined();
    expect(await tiered.get('stage:forever')).toBe('F');
  });
});
