// cacheable(result) keeps a result (a fallback, say) out of the item cache.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `export function* items(ctx) { for (let i = 0; i < ctx.params.n; i++) yield { id: 'i' + i, value: i }; }
export const answer = {
  run: (item) => ({ id: item.id, isFallback: item.value % 2 === 1 }),
  cacheable: (result) => !result.isFallback,
};
`;

describe('a map stage with cacheable()', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each(['inline', 'worker'])('caches only the results it accepts (isolate: %s)', async (isolate) => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1\npipelines:\n  p:\n    params: { n: 6 }\n    stages:\n      items: { run: m.mjs#items, params: [n] }\n      answer: { run: m.mjs#answer, foreach: items, isolate: ${isolate}, cache: { scope: item } }\n`,
    );
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    // Two more items: the stage runs; of the first six, the three accepted results are cached.
    const again = await ws.run(['exec', 'p', '--param', 'n=8', '--json']);
    expect(stageEnd(again.events, 'answer').items).toEqual({ total: 8, done: 8, cached: 3, failed: 0 });
  });
});
