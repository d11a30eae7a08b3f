// The two tiers (src/cache/tiered-store.ts) over two plain stores: the
// workspace's local one first, the shared one second. Read-through,
// write-behind, sealed shared entries, read-only mode, a failed shared tier;
// an entry read through from the shared store is kept in the local tier
// until it expires in the shared one (a memo another machine set with a TTL
// is not served here for good once read).
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seal } from '../../src/cache/signing.js';
import { openStore } from '../../src/cache/store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { openTiered, TieredStore } from '../../src/cache/tiered-store.js';
import type { SharedAccess } from '../../src/cache/tiered-store.js';
import { tempDir } from './helpers.js';
import { sqliteBackend } from './store-backends.js';

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

async function tiers(access: Partial<SharedAccess> = {}) {
  const [local, shared] = [await sqlite(), await sqlite()];
  const warnings: string[] = [];
  const tiered = new TieredStore({ isReadOnly: false, ...access, local, shared, warn: (m) => warnings.push(m) });
  return { local, shared, tiered, warnings };
}

describe('TieredStore', () => {
  it('reads through: a local miss found in the shared store is kept locally', async () => {
    const { local, shared, tiered, warnings } = await tiers();
    await shared.set('stage:x', seal('stage:x', { r: 1 }, undefined));
    expect(await tiered.get('stage:x')).toEqual({ r: 1 });
    expect(await local.get('stage:x')).toEqual({ r: 1 });
    await shared.set('a', seal('a', 'A', undefined));
    await local.set('b', 'B');
    expect(await tiered.getMany(['a', 'b', 'c'])).toEqual(['A', 'B', undefined]);
    expect(await local.get('a')).toBe('A');
    expect(warnings).toEqual([]);
  });

  it('writes behind: local at once, shared sealed (and signed) once flushed', async () => {
    const { local, shared, tiered } = await tiers({ signingKey: 'k' });
    await tiered.set('stage:y', { r: 2 });
    expect(await local.get('stage:y')).toEqual({ r: 2 });
    await tiered.flush();
    expect(await shared.get('stage:y')).toEqual(seal('stage:y', { r: 2 }, 'k'));
    expect((await shared.get<{ s?: string }>('stage:y'))?.s).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a shared entry that is unsigned, mis-signed or not sealed at all', async () => {
    const { shared, tiered, warnings } = await tiers({ signingKey: 'k' });
    await shared.set('unsigned', seal('unsigned', 1, undefined));
    await shared.set('other-key', seal('other-key', 1, 'not-k'));
    await shared.set('moved', seal('elsewhere', 1, 'k'));
    await shared.set('raw', { r: 1 });
    expect(await tiered.getMany(['unsigned', 'other-key', 'moved', 'raw'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(warnings).toEqual([
      'refused shared cache entry unsigned: it is not signed',
      'refused shared cache entry other-key: its signature does not match (tampered with, or signed with another key)',
      'refused shared cache entry moved: its signature does not match (tampered with, or signed with another key)',
      'refused shared cache entry raw: it is not in the shared-entry format',
    ]);
  });

  it('read-only: reads the shared store, never writes it', async () => {
    const { local, shared, tiered } = await tiers({ isReadOnly: true });
    await shared.set('s', seal('s', 'S', undefined));
    expect(await tiered.get('s')).toBe('S');
    await tiered.setMany([{ key: 'w', value: 'W' }]);
    await tiered.flush();
    expect(await local.get('w')).toBe('W');
    expect(await shared.get('w')).toBeUndefined();
  });

  it('openTiered opens a read-only shared store that leaves an expired entry it reads (a read-only role may not delete)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    for (const isReadOnly of [true, false]) {
      const sharedUrl = `sqlite://${path.join(tempDir(), 'shared.sqlite')}`;
      const writer = await openStore(sharedUrl, tempDir(), (m) => {
        throw new Error(m);
      });
      await writer.set('stage:old', seal('stage:old', 1, undefined), 60_000);
      await writer.close();
      vi.setSystemTime(Date.now() + 61_000);
      const localUrl = `sqlite://${path.join(tempDir(), 'cache.sqlite')}`;
      const warnings: string[] = [];
      const tiered = await openTiered({
        root: tempDir(),
        localUrl,
        sharedUrl,
        isReadOnly,
        warn: (m) => warnings.push(m),
      });
      expect(await tiered.get('stage:old')).toBeUndefined();
      await tiered.close();
      const stored = await sqliteBackend.getForeign(sharedUrl, 'runner:stage:old');
      expect(stored === undefined ? 'deleted' : 'kept').toBe(isReadOnly ? 'kept' : 'deleted');
      expect(warnings).toEqual([]);
    }
  });

  it('after a shared failure: one warning, and the local store alone', async () => {
    const { shared, tiered, warnings } = await tiers();
    await shared.set('s', seal('s', 'S', undefined));
    tiered.sharedFailed();
    tiered.sharedFailed();
    expect(tiered.hasShared).toBe(false);
    expect(await tiered.get('s')).toBeUndefined();
    await tiered.set('w', 'W');
    await tiered.flush();
    expect(await shared.get('w')).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^shared cache sqlite:\/\/.* failed: using the local cache only for this run$/);
  });
});

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
