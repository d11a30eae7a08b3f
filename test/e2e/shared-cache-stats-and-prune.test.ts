// `runner cache stats --shared` and `cache prune --shared` reach the shared
// store (Redis, PostgreSQL) as `cache clear --shared` does
// (shared-cache-clear-local-only.test.ts): stats counts its entries, prune
// removes its old entries except those this workspace's state points at.
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/cache/store.js';
import { oneStageFiles, SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const FILES = oneStageFiles();

describe.each(SHARED_BACKENDS)('runner cache stats and prune --shared in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it("count the shared store's entries, and prune those no workspace state here points at", async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    const maker = rig.machine(FILES);
    expect((await maker.run(['exec', 'p'], { env })).code).toBe(0);
    const other = rig.machine(FILES);

    const stats = await other.run(['cache', 'stats', '--shared', '--json'], { env });
    expect(stats.code, stats.stderr).toBe(0);
    const counted = JSON.parse(stats.stdout) as { storeUrl: string; entries: Record<string, number> };
    expect(counted.storeUrl).toBe(redact(rig.url()));
    expect(counted.entries).toEqual({ stage: 1, manifest: 1, items: 0, memo: 0, blob: 1, other: 0 });

    // The maker's state points at its entries: they stay, however old.
    const kept = await maker.run(['cache', 'prune', '--shared', '--older-than', '0s'], { env });
    expect(kept.stdout).toBe('pruned 0 entries and 0 objects (0 B) older than 0s\n');
    expect((await rig.keys()).map((key) => key.split(':')[0]).sort()).toEqual(['blob', 'manifest', 'stage']);

    // Another workspace's state points at nothing: the stage entry and manifest
    // go; the blob says not when it was made, and stays until its TTL.
    const pruned = await other.run(['cache', 'prune', '--shared', '--older-than', '0s'], { env });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toBe('pruned 2 entries and 0 objects (0 B) older than 0s\n');
    expect((await rig.keys()).map((key) => key.split(':')[0])).toEqual(['blob']);
  });
});
