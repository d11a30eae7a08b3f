// Two workspaces with the same files stand for two CI machines sharing one
// cache (Redis, PostgreSQL): what the first computed, the second restores
// without running.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outcomes } from './rig.js';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      make:
        shell: "mkdir -p out && cat in.txt in.txt > out/double.txt && echo make >> ../ran-\${MACHINE}.log"
        inputs: [in.txt]
        outputs: [out/double.txt]
        env: { MACHINE: "\${MACHINE}" }
      records:
        run: records.mjs#records
        inputs: [out/double.txt]
        needs: [make]
      use:
        run: records.mjs#count
        needs: [records]
`;
const MODULE = `import fs from 'node:fs';
export function records(ctx) {
  return fs.readFileSync(ctx.workspace.resolve('out/double.txt'), 'utf8').split('\\n').filter(Boolean).map((line, i) => ({ i, line }));
}
export async function count(ctx) {
  let n = 0;
  for await (const _ of ctx.upstream('records')) n++;
  return [{ n }];
}
`;

const FILES = { 'pipelines.yaml': PIPELINE, 'records.mjs': MODULE, 'in.txt': 'a\nb\nc\n' };

describe.each(SHARED_BACKENDS)('a shared cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('lets a second machine restore outputs and records the first one computed', async () => {
    // Both machines append to one log beside their workspaces: the command must run once in all.
    const tag = `shared-${backend}-${process.pid}-${Date.now()}`;
    const env = { RUNNER_CACHE_URL: rig.url(), MACHINE: tag };
    const first = rig.machine(FILES);
    const one = await first.run(['exec', 'p', '--json'], { env });
    expect(one.code).toBe(0);
    expect(outcomes(one.events)).toEqual({ make: 'ran', records: 'ran', use: 'ran' });

    const second = rig.machine(FILES);
    const two = await second.run(['exec', 'p', '--json'], { env });
    expect(two.code, two.stderr).toBe(0);
    expect(outcomes(two.events)).toEqual({ make: 'restored', records: 'cached', use: 'cached' });
    expect(second.read('out/double.txt')).toBe('a\nb\nc\na\nb\nc\n');
    expect(second.read(`../ran-${tag}.log`)).toBe('make\n');
    fs.rmSync(second.path(`../ran-${tag}.log`), { force: true });
  });
});
