// An output of 50 MiB is shared like any other: sent in chunks (blob:<hash>:<i>)
// under a small index entry, and restored whole, verified, on another machine.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outcomes } from './rig.js';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const SIZE = 50 * 1024 * 1024;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      big:
        shell: "mkdir -p out && head -c ${SIZE} /dev/urandom > out/big.bin"
        inputs: [in.txt]
        outputs: [out/big.bin]
`;
const FILES = { 'pipelines.yaml': PIPELINE, 'in.txt': 'seed\n' };

function fileHash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe.each(SHARED_BACKENDS)('a large output in a shared cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('is shared in chunks and restored whole on the second machine', async () => {
    const env = { RUNNER_CACHE_URL: rig.url(), RUNNER_CACHE_SIGNING_KEY: 'k' };
    const first = rig.machine(FILES);
    const one = await first.run(['exec', 'p'], { env });
    expect(one.code, one.stderr).toBe(0);
    const hash = fileHash(first.path('out/big.bin'));
    const keys = await rig.keys();
    expect(keys).toContain(`blob:${hash}`);
    expect(keys.filter((key) => key.startsWith(`blob:${hash}:`))).toHaveLength(13);

    const second = rig.machine(FILES);
    const two = await second.run(['exec', 'p', '--json'], { env });
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).not.toContain('warning');
    expect(outcomes(two.events)).toEqual({ big: 'restored' });
    expect(fs.statSync(second.path('out/big.bin')).size).toBe(SIZE);
    expect(fileHash(second.path('out/big.bin'))).toBe(hash);
  }, 60_000);
});
