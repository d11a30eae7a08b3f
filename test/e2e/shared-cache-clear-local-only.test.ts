// `runner cache clear` empties this workspace's cache only: a clear on one
// machine must not empty every machine's. `--shared` clears the shared store too,
// except where the shared store is read-only (RUNNER_CACHE_READONLY, cache.shared: read).
import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../../src/cache/store.js';
import { outcomes, Workspace } from './rig.js';
import { oneStageFiles, SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const FILES = oneStageFiles();

describe.each(SHARED_BACKENDS)('runner cache clear with a shared store in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('leaves the shared store alone; --shared clears it too', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    const ws = rig.machine(FILES);
    expect((await ws.run(['exec', 'p'], { env })).code).toBe(0);
    const shared = (await rig.keys()).sort();
    expect(shared.length).toBeGreaterThan(0);

    const clear = await ws.run(['cache', 'clear'], { env });
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toMatch(/^cleared sqlite:\/\/.*cache\.sqlite and /);
    expect((await rig.keys()).sort()).toEqual(shared);
    expect(ws.exists('.runner/state.json')).toBe(false);
    // This workspace's cache is gone, the shared one is not: the stage is restored from it.
    ws.write('out/double.txt', 'edited\n');
    const run = await ws.run(['exec', 'p', '--json'], { env });
    expect(outcomes(run.events)).toEqual({ make: 'restored' });

    // Where the shared store is read-only, --shared is refused and writes nothing.
    const readOnly = { ...env, RUNNER_CACHE_READONLY: '1' };
    const refused = await ws.run(['cache', 'clear', '--shared'], { env: readOnly });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--shared: the shared store is read-only here');
    const pruned = await ws.run(['cache', 'prune', '--shared', '--older-than', '0s'], { env: readOnly });
    expect(pruned.code).toBe(2);
    expect((await rig.keys()).sort()).toEqual(shared);

    const all = await ws.run(['cache', 'clear', '--shared'], { env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^cleared sqlite:\/\/.* and /);
    expect(all.stdout).toContain(` and ${redact(rig.url())} and `);
    expect(await rig.keys()).toEqual([]);
  });
});

describe('runner cache clear --shared', () => {
  const workspaces: Workspace[] = [];
  afterEach(() => {
    for (const ws of workspaces.splice(0)) ws.remove();
  });

  it('without a shared store is a usage error', async () => {
    const ws = new Workspace();
    workspaces.push(ws);
    for (const [file, content] of Object.entries(FILES)) ws.write(file, content);
    const result = await ws.run(['cache', 'clear', '--shared']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--shared: no shared store is configured');
  });
});
