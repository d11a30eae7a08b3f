// cacheable(result) keeps a result (a fallback, say) out of the cache: the
// item cache does not keep it, and a run that kept any out is never reused
// whole, so the next run asks for exactly those items again, until every
// result is accepted. Its answer is taken for true or false as JavaScript
// would (undefined keeps a result out) inline and in a worker alike; one
// that throws fails its item.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* items(ctx) { for (let i = 0; i < ctx.params.n; i++) yield { id: 'i' + i, value: i }; }
// Odd items get a fallback while the service is down (service.txt says so).
const isDown = (ctx) => fs.readFileSync(ctx.workspace.resolve('service.txt'), 'utf8').trim() === 'down';
export const answer = {
  run: (item, ctx) => {
    fs.appendFileSync(ctx.workspace.resolve('asked.log'), item.id + '\\n');
    return { id: item.id, isFallback: item.value % 2 === 1 && isDown(ctx) };
  },
  cacheable: (result) => !result.isFallback,
};
export const vague = {
  run: (item) => ({ id: item.id, ok: item.value === 0 }),
  cacheable: (result) => { if (result.ok) return true; },
};
export const throwing = {
  run: (item) => ({ id: item.id }),
  cacheable: (result) => { if (result.id === 'i1') throw new Error('cannot tell'); return true; },
};
`;

const pipeline = (stage: string, isolate: string, scope = 'item'): string =>
  `version: 1\npipelines:\n  p:\n    params: { n: 6 }\n    stages:\n      items: { run: m.mjs#items, params: [n] }\n      ${stage}: { run: m.mjs#${stage}, foreach: items, isolate: ${isolate}, cache: { scope: ${scope} } }\n`;

describe('a map stage with cacheable()', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  const asked = (): string[] => fs.readFileSync(ws.path('asked.log'), 'utf8').trim().split('\n');

  function setUp(stage: string, isolate: string, scope?: string): void {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('service.txt', 'down\n');
    ws.write('pipelines.yaml', pipeline(stage, isolate, scope));
  }

  it.each(['inline', 'worker'])('caches only the results it accepts (isolate: %s)', async (isolate) => {
    setUp('answer', isolate);
    const first = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(first.events, 'answer').items).toEqual({ total: 6, done: 6, cached: 0, failed: 0, uncacheable: 3 });
    // Two more items: the stage runs; of the first six, the three accepted results are cached.
    const again = await ws.run(['exec', 'p', '--param', 'n=8', '--json']);
    expect(stageEnd(again.events, 'answer').items).toEqual({ total: 8, done: 8, cached: 3, failed: 0, uncacheable: 4 });
  });

  it.each(['inline', 'worker'])(
    'runs again with nothing changed, asking only for the results it kept out, until it accepts all (isolate: %s)',
    async (isolate) => {
      setUp('answer', isolate);
      expect((await ws.run(['exec', 'p'])).code).toBe(0);
      expect(asked()).toHaveLength(6);

      const still = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(still.events, 'answer').outcome).toBe('ran');
      expect(stageEnd(still.events, 'answer').reason).toBe('3 items kept out of the cache last run');
      expect(asked().slice(6).sort()).toEqual(['i1', 'i3', 'i5']);

      ws.write('service.txt', 'up\n');
      const up = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(up.events, 'answer').items).toEqual({ total: 6, done: 6, cached: 3, failed: 0 });
      expect(asked().slice(9).sort()).toEqual(['i1', 'i3', 'i5']);

      const done = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(done.events, 'answer').outcome).toBe('cached');
      expect(asked()).toHaveLength(12);
    },
  );

  it('with no item cache, keeps the whole stage out of the cache while it keeps any result out', async () => {
    setUp('answer', 'inline', 'stage');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const again = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(again.events, 'answer').outcome).toBe('ran');
    expect(asked()).toHaveLength(12);
    ws.write('service.txt', 'up\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const done = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(done.events, 'answer').outcome).toBe('cached');
    expect(asked()).toHaveLength(18);
  });

  it.each(['inline', 'worker'])('takes an answer of undefined as no (isolate: %s)', async (isolate) => {
    setUp('vague', isolate);
    const first = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(first.events, 'vague').items).toEqual({ total: 6, done: 6, cached: 0, failed: 0, uncacheable: 5 });
    const again = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(again.events, 'vague').items).toEqual({ total: 6, done: 6, cached: 1, failed: 0, uncacheable: 5 });
  });

  it.each(['inline', 'worker'])(
    'fails the item whose cacheable() throws, and no other (isolate: %s)',
    async (isolate) => {
      setUp('throwing', isolate);
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code).toBe(1);
      const end = stageEnd(run.events, 'throwing');
      expect(end.items).toEqual({ total: 6, done: 5, cached: 0, failed: 1 });
      expect(end.reason).toMatch(/^1 items? failed; first: id=i1: .*cacheable: cannot tell/);
    },
  );
});
