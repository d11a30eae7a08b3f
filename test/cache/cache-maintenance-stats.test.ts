// `cache stats`: entries counted by kind (stage, manifest, items, memo, blob, other), objects with their bytes.
import { describe, expect, it } from 'vitest';
import { cacheStats } from '../../src/cache/maintenance.js';
import { defaultStoreUrl } from '../../src/cache/store.js';
import { fixture, NEW, record, storeRecord } from './maintenance-fixture.js';

describe('cacheStats', () => {
  it('counts entries by kind and objects with their bytes', async () => {
    const f = await fixture();
    await storeRecord(f, record(f, 'a', NEW));
    await storeRecord(f, record(f, 'b', NEW));
    await f.store.set('items:scope-1', { manifest: 'm', dataset: 'd', at: NEW });
    await f.store.set('memo:p/s:k', 'memoised');
    await f.store.set('something-else', 1);
    const stats = await cacheStats(f.store, f.stateDir);
    expect(stats.entries).toEqual({ stage: 2, manifest: 2, items: 1, memo: 1, blob: 0, other: 1 });
    expect(stats.entryBytes).toBeGreaterThan(0);
    const bytes = ['output of a', 'output of b'].reduce((n, s) => n + s.length, 0);
    expect(stats.objects).toEqual({ count: 2, bytes });
    expect(stats.storeUrl).toBe(defaultStoreUrl(f.stateDir));
    expect(f.errors).toEqual([]);
  });

  it('is all zeros for an empty cache', async () => {
    const f = await fixture();
    expect(await cacheStats(f.store, f.stateDir)).toMatchObject({
      entries: { stage: 0, manifest: 0, items: 0, memo: 0, blob: 0, other: 0 },
      entryBytes: 0,
      objects: { count: 0, bytes: 0 },
    });
  });
});
