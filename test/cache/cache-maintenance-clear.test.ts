// `cache clear`: the store, the object store and the workspace state, all emptied.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheStats, clearCache } from '../../src/cache/maintenance.js';
import { WorkspaceState } from '../../src/cache/state.js';
import { fixture, keys, NEW, record } from './maintenance-fixture.js';

describe('clearCache', () => {
  it('empties the store, the object store and the workspace state', async () => {
    const f = await fixture();
    const r = record(f, 'a', NEW);
    await f.store.set('stage:fp-a', r);
    await f.store.set('memo:x', 1);
    const state = new WorkspaceState(path.join(f.stateDir, 'state.json'));
    state.set('p/a', r);
    state.save();
    await clearCache(f.store, f.stateDir);
    expect(await keys(f.store)).toEqual([]);
    expect(fs.existsSync(path.join(f.stateDir, 'objects'))).toBe(false);
    expect(new WorkspaceState(path.join(f.stateDir, 'state.json')).get('p/a')).toBeUndefined();
    expect(await cacheStats(f.store, f.stateDir)).toMatchObject({
      entries: { stage: 0, items: 0, memo: 0, other: 0 },
      objects: { count: 0, bytes: 0 },
    });
  });
});
