// A map stage's item cache through a shared store: a second machine, whose
// input differs from the first's in one item, gets the item manifest, the
// chunks of the dataset it points into and those of the raw results from the
// store, and computes only that item.
import { describe, expect, it } from 'vitest';
import { stageEnd } from './rig.js';
import { SHARED_BACKENDS, sharedCacheRig } from './shared-cache-rig.js';

const COUNT = 3000;

const PIPELINE = `version: 1
pipelines:
  p:
    params: { mutate: -1 }
    stages:
      gen: { run: m.mjs#gen, params: [mutate] }
      keyed: { run: m.mjs#keyed, foreach: gen, batchSize: 100, cache: { scope: item } }
      sum: { run: m.mjs#sum, needs: [keyed] }
`;

// emit() builds each record from the current item and the cached result: the stage keeps raw results.
const MODULE = `export function* gen(ctx) {
  for (let i = 0; i < ${COUNT}; i++)
    yield { id: 'r' + i, text: (i === ctx.params.mutate ? 'edited ' : 'record ') + i + ' ' + 'x'.repeat(200) };
}
export const keyed = {
  run: (record) => ({ doubled: record.text + '|' + record.text }),
  key: (record) => record.text,
  emit: (record, result) => ({ id: record.id, chars: result.doubled.length }),
};
export async function sum(ctx) {
  let n = 0, chars = 0;
  for await (const record of ctx.upstream('keyed')) { n++; chars += record.chars; }
  return [{ n, chars }];
}
`;

const FILES = { 'pipelines.yaml': PIPELINE, 'm.mjs': MODULE };

describe.each(SHARED_BACKENDS)('an item cache shared in %s', (backend) => {
  const rig = sharedCacheRig(backend);

  it('serves a second machine every item but the one that differs, raw results included', async () => {
    const env = { RUNNER_CACHE_URL: rig.url() };
    const first = rig.machine(FILES);
    const one = await first.run(['exec', 'p', '--json'], { env });
    expect(one.code, one.stderr).toBe(0);

    const second = rig.machine(FILES);
    const two = await second.run(['exec', 'p', '--param', 'mutate=1234', '--json'], { env });
    expect(two.code, two.stderr).toBe(0);
    expect(two.events.filter((e) => e.event === 'warning')).toEqual([]);
    expect(stageEnd(two.events, 'keyed').items).toEqual({ total: COUNT, done: COUNT, cached: COUNT - 1, failed: 0 });

    // The same records as a machine that computed everything.
    const alone = rig.machine(FILES);
    const three = await alone.run(['exec', 'p', '--param', 'mutate=1234', '--json']);
    expect(three.code, three.stderr).toBe(0);
    expect(second.read('.runner/state.json')).toContain(
      JSON.parse(alone.read('.runner/state.json')).stages['p/keyed'].dataset.hash,
    );
  });
});
