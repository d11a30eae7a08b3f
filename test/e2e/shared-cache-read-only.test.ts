// Read-only mode (RUNNER_CACHE_READONLY=1, or cache: { shared: read } in
// pipelines.yaml), for untrusted jobs such as pull requests: the shared
// store is read, never written; the local cache works as ever.
import { describe, expect, it } from 'vitest';
import { outcomes } from './rig.js';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const pipeline = (top = ''): string => `version: 1
${top}pipelines:
  p:
    stages:
      make:
        shell: "mkdir -p out && cat in.txt in.txt > out/double.txt"
        inputs: [in.txt]
        outputs: [out/double.txt]
      records:
        run: records.mjs#records
        inputs: [out/double.txt]
        needs: [make]
`;
const MODULE = `import fs from 'node:fs';
export function records(ctx) {
  return fs.readFileSync(ctx.workspace.resolve('out/double.txt'), 'utf8').split('\\n').filter(Boolean).map((line) => ({ line }));
}
`;
const files = (top = ''): Record<string, string> => ({
  'pipelines.yaml': pipeline(top),
  'records.mjs': MODULE,
  'in.txt': 'a\nb\n',
});

describe.each(SHARED_BACKENDS)('a read-only shared cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('RUNNER_CACHE_READONLY=1 writes nothing to the shared store; the local cache still works', async () => {
    const env = { RUNNER_CACHE_URL: rig.url(), RUNNER_CACHE_READONLY: '1' };
    const ws = rig.machine(files());
    const run = await ws.run(['exec', 'p', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    // The shared store was opened and asked (nothing in it), not given up.
    expect(run.stderr).not.toContain('warning');
    expect(outcomes(run.events)).toEqual({ make: 'ran', records: 'ran' });
    expect(await rig.keys()).toEqual([]);
    // The local tier kept them: a revert restores without running.
    ws.write('in.txt', 'changed\n');
    expect(outcomes((await ws.run(['exec', 'p', '--json'], { env })).events).make).toBe('ran');
    ws.write('in.txt', 'a\nb\n');
    const back = await ws.run(['exec', 'p', '--json'], { env });
    expect(outcomes(back.events)).toEqual({ make: 'restored', records: 'cached' });
    expect(await rig.keys()).toEqual([]);
  });

  it('cache: { shared: read } writes nothing either, and reads what a trusted job wrote', async () => {
    const url = rig.url();
    const reader = rig.machine(files('cache:\n  shared: read\n'));
    expect((await reader.run(['exec', 'p'], { env: { RUNNER_CACHE_URL: url } })).code).toBe(0);
    expect(await rig.keys()).toEqual([]);

    expect((await rig.machine(files()).run(['exec', 'p'], { env: { RUNNER_CACHE_URL: url } })).code).toBe(0);
    const written = (await rig.keys()).sort();
    expect(written.length).toBeGreaterThan(0);
    const fresh = rig.machine(files('cache:\n  shared: read\n'));
    const run = await fresh.run(['exec', 'p', '--json'], { env: { RUNNER_CACHE_URL: url } });
    expect(outcomes(run.events)).toEqual({ make: 'restored', records: 'cached' });
    expect((await rig.keys()).sort()).toEqual(written);
  });
});
