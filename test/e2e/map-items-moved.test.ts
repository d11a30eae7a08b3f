// Items that moved (one inserted in front of them) or were regrouped
// (another batchSize) are still found in the item cache by their own keys:
// only the new item is computed, and the records come out in input order.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* items(ctx) {
  if (ctx.params.front) yield { id: 'front' };
  for (let i = 0; i < 12; i++) yield { id: 'i' + i };
}
export function twice(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
  return { id: item.id, twice: item.id + item.id };
}
export async function all(ctx) {
  const out = [];
  for await (const record of ctx.upstream('twice')) out.push(record.id);
  fs.writeFileSync(ctx.workspace.resolve('all.txt'), out.join(','));
}
`;

const pipeline = (batchSize: number): string => `version: 1
pipelines:
  m:
    params: { front: false }
    stages:
      items: { run: m.mjs#items, params: [front] }
      twice: { run: m.mjs#twice, foreach: items, batchSize: ${batchSize}, cache: { scope: item } }
      all: { run: m.mjs#all, needs: [twice] }
`;

describe('map items that moved', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('are found by key after an item is inserted in front and the blocks are regrouped', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(4));
    expect((await ws.run(['exec', 'm'])).code).toBe(0);
    const computed = (): string[] => fs.readFileSync(ws.path('computed.log'), 'utf8').trim().split('\n');
    expect(computed()).toHaveLength(12);

    // A new first item shifts every other one: no block of 4 hashes as before.
    ws.write('pipelines.yaml', pipeline(5));
    const shifted = await ws.run(['exec', 'm', '--param', 'front=true', '--json']);
    expect(shifted.code, shifted.stderr).toBe(0);
    expect(stageEnd(shifted.events, 'twice').items).toEqual({ total: 13, done: 13, cached: 12, failed: 0 });
    expect(computed().slice(12)).toEqual(['front']);
    expect(ws.read('all.txt')).toBe(['front', ...Array.from({ length: 12 }, (_, i) => `i${i}`)].join(','));
  });
});
