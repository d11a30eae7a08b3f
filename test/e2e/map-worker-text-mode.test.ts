// Worker-pool map stages exchange JSON text with the workers (emit and
// cacheable run there): results, item-cache entries and failures must be
// the same as inline.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* items(ctx) { for (let i = 0; i < ctx.params.n; i++) yield { id: 'i' + i, n: i, tags: ['a', { deep: [i, null, 'x"y'] }] }; }
export function shape(item, ctx) {
  if (fs.existsSync(ctx.workspace.resolve('broken-' + item.id))) throw new Error('broken ' + item.n);
  if (item.n % 10 === 0) return undefined;
  if (item.n % 10 === 1) return [{ id: item.id, part: 1 }, { id: item.id, part: 2, tags: item.tags }];
  return { id: item.id, square: item.n * item.n, unicode: 'é✓' };
}
export async function collect(ctx) {
  const out = [];
  for await (const record of ctx.upstream('shape')) out.push(record);
  fs.writeFileSync(ctx.workspace.resolve('shape.json'), JSON.stringify(out));
}
`;

describe('a worker-pool map stage in text mode', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('writes the same records as inline, caches items, and names a failed item', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    const pipeline = (isolate: string): string =>
      `version: 1\npipelines:\n  p:\n    params: { n: 30 }\n    stages:\n      items: { run: m.mjs#items, params: [n] }\n      shape: { run: m.mjs#shape, foreach: items, isolate: ${isolate}, batchSize: 4, cache: { scope: item } }\n      collect: { run: m.mjs#collect, needs: [shape], cache: { policy: never } }\n`;
    ws.write('pipelines.yaml', pipeline('inline'));
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const inline = ws.read('shape.json');

    ws.write('pipelines.yaml', pipeline('worker'));
    const forced = await ws.run(['exec', 'p', '--force=shape', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(ws.read('shape.json')).toBe(inline);
    // --force computes every item again, in the workers this time.
    expect(stageEnd(forced.events, 'shape').items).toEqual({ total: 30, done: 30, cached: 0, failed: 0 });

    // One more item upstream: the 30 the workers cached are reused, in the same records.
    const grown = await ws.run(['exec', 'p', '--param', 'n=31', '--json']);
    expect(stageEnd(grown.events, 'shape').items).toEqual({ total: 31, done: 31, cached: 30, failed: 0 });
    const records = JSON.parse(ws.read('shape.json')) as unknown[];
    expect(JSON.stringify(records.slice(0, JSON.parse(inline).length))).toBe(inline);

    ws.write('broken-i17', '');
    const failed = await ws.run(['exec', 'p', '--json', '--force=shape', '--no-cache']);
    expect(stageEnd(failed.events, 'shape').reason).toBe('1 item failed; first: id=i17: broken 17 (at m.mjs:4:72)');
  });

  it('caches what the workers computed: a rerun computes nothing', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1\npipelines:\n  p:\n    params: { n: 30 }\n    stages:\n      items: { run: m.mjs#items, params: [n] }\n      shape: { run: m.mjs#shape, foreach: items, isolate: worker, batchSize: 4, cache: { scope: item } }\n      collect: { run: m.mjs#collect, needs: [shape], cache: { policy: never } }\n`,
    );
    expect((await ws.run(['exec', 'p', '--param', 'n=31'])).code).toBe(0);
    const first = ws.read('shape.json');
    // One item fewer upstream (i30, which produces no record): the stage
    // runs, every item is a cached one, and the records are the same.
    const again = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(again.events, 'shape').items).toEqual({ total: 30, done: 30, cached: 30, failed: 0 });
    expect(ws.read('shape.json')).toBe(first);
  });
});
