// A run in a workspace whose stat cache holds 8,192 files or more starts
// the stat pass's worker as it begins (its long pass then takes it), but
// only when one of its stages has files to stat (inputs, or a map over
// files): a run of a pipeline of tasks and maps over records starts none.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpareStatWorker, STAT_BESIDE_MIN } from '../../src/cache/stat-beside.js';
import { encodeStatCache } from '../../src/cache/stat-cache-file.js';
import { defaultStoreUrl } from '../../src/cache/store.js';
import { Resources } from '../../src/engine/resources.js';
import { tempDir } from '../cache/helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A workspace whose stat cache file holds `n` entries (of files never there: only its header is read here). */
function workspaceWithCacheOf(n: number): string {
  const root = tempDir();
  const paths = Array.from({ length: n }, (_, i) => `data/f${String(i).padStart(6, '0')}.txt`);
  const files = { paths, nums: new Float64Array(3 * n), hashes: Buffer.alloc(32 * n), racy: new Uint8Array(n) };
  fs.mkdirSync(path.join(root, '.runner'));
  fs.writeFileSync(path.join(root, '.runner', 'stat-cache.bin'), encodeStatCache({ files, dirs: {}, derived: {} }));
  return root;
}

async function sparesStartedBy(root: string, mayStatMany?: boolean): Promise<number> {
  const start = vi.spyOn(SpareStatWorker, 'start');
  const res = new Resources({
    root,
    storeUrl: defaultStoreUrl(path.join(root, '.runner')),
    emit: () => {},
    ...(mayStatMany === undefined ? {} : { mayStatMany }),
  });
  await res.close();
  const started = start.mock.calls.length;
  start.mockRestore();
  return started;
}

describe('the stat pass worker started with the run', () => {
  it('starts for a run that may stat many files, not for one that has none to stat', async () => {
    const root = workspaceWithCacheOf(STAT_BESIDE_MIN);
    expect(await sparesStartedBy(root)).toBe(1);
    expect(await sparesStartedBy(root, true)).toBe(1);
    expect(await sparesStartedBy(root, false)).toBe(0);
  });

  it('does not start under a stat cache of fewer files', async () => {
    expect(await sparesStartedBy(workspaceWithCacheOf(STAT_BESIDE_MIN - 1), true)).toBe(0);
  });
});
