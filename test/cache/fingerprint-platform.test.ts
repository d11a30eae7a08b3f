// The key includes the platform (os, CPU architecture, Node major version),
// so a shared cache never restores one machine's build output on another
// kind of machine; `runner explain` names the change.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest, fingerprintOf, THIS_PLATFORM } from '../../src/cache/fingerprint.js';
import type { Platform } from '../../src/cache/fingerprint.js';
import { diffManifests } from '../../src/cache/why.js';
import type { StageDefinition } from '../../src/config/types.js';
import { analyse } from '../../src/engine/analyse.js';
import { changeLines } from '../../src/report/explain.js';
import { sha256 } from '../../src/util/hash.js';
import { put, tempDir } from './helpers.js';

async function definition(): Promise<StageDefinition> {
  const root = tempDir();
  put(root, 'pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      s:\n        shell: "true"\n');
  const result = await analyse({
    file: path.join(root, 'pipelines.yaml'),
    env: {},
    runnerVersion: 'test',
    isFresh: true,
  });
  if (!result.ok) throw new Error('invalid test config');
  const stage = result.analysis.plan.pipelines.get('p')?.stages.get('s');
  if (!stage) throw new Error('no stage p/s');
  return stage.definition;
}

async function manifestOn(platform?: Platform) {
  return buildManifest({ definition: await definition(), code: [], inputs: [['a', sha256('a')]], needs: {}, platform });
}

describe('fingerprint: platform', () => {
  it("is this machine's os, arch and Node major version by default", async () => {
    const manifest = await manifestOn();
    expect(manifest.platform).toEqual({
      os: process.platform,
      arch: process.arch,
      node: Number(process.versions.node.split('.')[0]),
    });
    expect(manifest.platform).toBe(THIS_PLATFORM);
  });

  it.each([
    ['os', { os: 'darwin' }],
    ['arch', { arch: 'arm64' === process.arch ? 'x64' : 'arm64' }],
    ['Node major version', { node: THIS_PLATFORM.node + 2 }],
  ])('changes the key when the %s differs', async (_name, change) => {
    const here = await manifestOn();
    const there = await manifestOn({ ...THIS_PLATFORM, ...change });
    expect(fingerprintOf(there)).not.toBe(fingerprintOf(here));
  });

  it('is named in the explanation of a changed key', async () => {
    const here = await manifestOn({ os: 'linux', arch: 'x64', node: 20 });
    const there = await manifestOn({ os: 'darwin', arch: 'arm64', node: 22 });
    const changes = diffManifests(here, there);
    expect(changes).toEqual([{ kind: 'platform', old: 'linux-x64-node20', new: 'darwin-arm64-node22' }]);
    expect(changeLines(changes)).toEqual(['cache:', '  platform: linux-x64-node20 -> darwin-arm64-node22']);
  });
});
