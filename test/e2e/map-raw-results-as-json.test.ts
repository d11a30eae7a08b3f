// A map stage with its own key() and an emit() keeps each item's result as
// JSON, and emit() sees that JSON's value on the run that computes the
// result as on every run that finds it cached: an item's records do not
// depend on whether it was cached, whatever its result holds that JSON
// does not (a Date, a Set, NaN, undefined). A result JSON cannot write
// fails its item.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export const items = (ctx) => [{ id: 1, v: 1 }, { id: 2, v: 2 }, { id: 3, v: ctx.params.last }];
export const m = {
  key: (item) => String(item.v),
  run: (item) => (item.v === 99 ? { big: 1n } : item.v === 2 ? undefined : { when: new Date(Date.UTC(2020, 0, item.v)), tags: new Set(['t' + item.v]), odd: NaN }),
  emit: (item, result) => ({
    id: item.id,
    result: result === undefined ? 'undefined' : result === null ? 'null' : 'object',
    when: typeof result?.when,
    tags: result?.tags instanceof Set ? 'a Set' : JSON.stringify(result?.tags),
    odd: String(result?.odd),
  }),
};
export async function all(ctx) {
  const out = [];
  for await (const record of ctx.upstream('m')) out.push(record);
  fs.writeFileSync(ctx.workspace.resolve('all.json'), JSON.stringify(out));
}
`;

const pipeline = (isolate: string): string => `version: 1
pipelines:
  p:
    params: { last: 3 }
    stages:
      items: { run: m.mjs#items, params: [last] }
      m: { run: m.mjs#m, foreach: items, isolate: ${isolate}, cache: { scope: item } }
      all: { run: m.mjs#all, needs: [m] }
`;

describe('a map with key() and emit()', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each(['inline', 'worker'])(
    'emits the same records for an item computed and found cached (isolate: %s)',
    async (isolate) => {
      ws = new Workspace();
      ws.write('m.mjs', MODULE);
      ws.write('pipelines.yaml', pipeline(isolate));
      expect((await ws.run(['exec', 'p'])).code).toBe(0);
      const fresh = JSON.parse(ws.read('all.json')) as { id: number }[];
      expect(fresh[0]).toEqual({ id: 1, result: 'object', when: 'string', tags: '{}', odd: 'null' });
      expect(fresh[1]).toEqual({ id: 2, result: 'null', when: 'undefined', tags: undefined, odd: 'undefined' });

      // Items 1 and 2 found cached, item 3 computed: the first two come out as they did.
      const rerun = await ws.run(['exec', 'p', '--param', 'last=30', '--json']);
      expect(stageEnd(rerun.events, 'm').items).toEqual({ total: 3, done: 3, cached: 2, failed: 0 });
      const again = JSON.parse(ws.read('all.json')) as { id: number }[];
      expect(again.slice(0, 2)).toEqual(fresh.slice(0, 2));
      expect(again[2]).toEqual({ ...fresh[2], id: 3 });
    },
  );

  it.each(['inline', 'worker'])('fails an item whose result JSON cannot write (isolate: %s)', async (isolate) => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(isolate));
    const run = await ws.run(['exec', 'p', '--param', 'last=99', '--json']);
    expect(run.code).toBe(1);
    const end = stageEnd(run.events, 'm');
    expect(end.items).toEqual({ total: 3, done: 2, cached: 0, failed: 1 });
    expect(end.reason).toBe(
      '1 item failed; first: id=3: its result is not JSON: Do not know how to serialize a BigInt',
    );
  });
});
