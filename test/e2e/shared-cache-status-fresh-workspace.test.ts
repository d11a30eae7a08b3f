// `runner status` in a fresh workspace sharing a cache says what `exec`
// would do there: restore from the shared store, not "would fail" for want of
// upstream outputs or records that the restore brings.
import { describe, expect, it } from 'vitest';
import { outcomes, stageEnd } from './rig.js';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      make:
        shell: "mkdir -p out && cat in.txt in.txt > out/double.txt"
        inputs: [in.txt]
        outputs: [out/double.txt]
      exact:
        shell: "wc -l < out/double.txt > count.txt"
        inputs: [out/double.txt]
        needs: [make]
        outputs: [count.txt]
      records:
        run: records.mjs#records
        inputs: ["out/*.txt"]
        needs: [make]
      use:
        run: records.mjs#count
        needs: [records]
`;
const MODULE = `import fs from 'node:fs';
export function records(ctx) {
  return fs.readFileSync(ctx.workspace.resolve('out/double.txt'), 'utf8').split('\\n').filter(Boolean).map((line) => ({ line }));
}
export async function count(ctx) {
  let n = 0;
  for await (const _ of ctx.upstream('records')) n++;
  return [{ n }];
}
`;
const FILES = { 'pipelines.yaml': PIPELINE, 'records.mjs': MODULE, 'in.txt': 'a\nb\n' };

describe.each(SHARED_BACKENDS)('runner status in a fresh workspace sharing a cache in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('shows the stages as restored or cached, as exec then finds them', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    const first = rig.machine(FILES);
    expect((await first.run(['exec', 'p'], { env })).code).toBe(0);

    const second = rig.machine(FILES);
    const status = await second.run(['status', 'p', '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    const stages = (JSON.parse(status.stdout) as { stages: { stage: string; action: string; reason: string }[] })
      .stages;
    expect(Object.fromEntries(stages.map((s) => [s.stage, `${s.action}: ${s.reason}`]))).toEqual({
      make: 'restore: found in the cache',
      exact: 'restore: found in the cache',
      records: 'cached: unchanged',
      use: 'cached: unchanged',
    });
    const explain = await second.run(['explain', 'p', 'make'], { env });
    expect(explain.stdout).toBe(
      [
        'p/make  restore     found in the cache',
        '    no earlier run of make here; its result is in the cache (another machine or workspace made it)',
        '',
      ].join('\n'),
    );
    const run = await second.run(['exec', 'p', '--json'], { env });
    expect(outcomes(run.events)).toEqual({ make: 'restored', exact: 'restored', records: 'cached', use: 'cached' });
    expect(stageEnd(run.events, 'make').reason).toBe('found in the cache');
  });
});
