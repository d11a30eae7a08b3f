// A batch export's answer with holes (a sparse array, `new Array(n)` with
// some results set): each hole is that item's undefined result (no
// records), inline and in a worker alike.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export const items = () => [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
export const sparse = {
  batch: (items) => {
    const results = new Array(items.length);
    results[0] = { id: items[0].id, first: true };
    return results;
  },
};
export async function all(ctx) {
  const out = [];
  for await (const record of ctx.upstream('sparse')) out.push(record);
  fs.writeFileSync(ctx.workspace.resolve('all.json'), JSON.stringify(out));
}
`;

describe('a batch answer with holes', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each(['inline', 'worker'])('gives each hole no records (isolate: %s)', async (isolate) => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1\npipelines:\n  p:\n    stages:\n      items: { run: m.mjs#items }\n      sparse: { run: m.mjs#sparse, foreach: items, isolate: ${isolate}, batchSize: 3 }\n      all: { run: m.mjs#all, needs: [sparse] }\n`,
    );
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(stageEnd(run.events, 'sparse').items).toEqual({ total: 3, done: 3, cached: 0, failed: 0 });
    expect(JSON.parse(fs.readFileSync(ws.path('all.json'), 'utf8'))).toEqual([{ id: 'a', first: true }]);
  });
});
