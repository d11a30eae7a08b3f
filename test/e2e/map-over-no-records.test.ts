// A map stage whose upstream yields no records maps over nothing: it
// succeeds with no items and no records, is cached, and its downstream runs.
// (It used to end the run failed, with no stage:end and no reason: with no
// item computed, its item journal's directory was never made, and the item
// cache's commit threw listing it.)
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      gen: { run: work.mjs#gen }
      touch: { run: work.mjs#touch, foreach: gen, cache: { scope: item } }
      inline: { run: work.mjs#touch, foreach: gen }
      count: { run: work.mjs#count, needs: [touch] }
`;

const WORK = `import fs from 'node:fs';
export function* gen() {}
export function touch(item) { return { ...item, touched: true }; }
export async function count(ctx) {
  let n = 0;
  for await (const _ of ctx.upstream('touch')) n++;
  fs.writeFileSync(ctx.workspace.resolve('count.txt'), String(n));
}
`;

describe('a map stage over no records', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('succeeds with no items, with and without an item cache, and is cached on the next run', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    const first = await ws.run(['exec', 'p', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(outcomes(first.events)).toEqual({ gen: 'ran', touch: 'ran', inline: 'ran', count: 'ran' });
    expect(stageEnd(first.events, 'touch').items).toEqual({ total: 0, done: 0, cached: 0, failed: 0 });
    expect(ws.read('count.txt')).toBe('0');
    const second = await ws.run(['exec', 'p', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes(second.events)).toEqual({ gen: 'cached', touch: 'cached', inline: 'cached', count: 'cached' });
  });
});
