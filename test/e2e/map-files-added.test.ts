// A map over files with an item cache, rerun after a file was added near
// the start of the list and after one was removed: the blocks away from
// it are reused whole (their items are not keyed), the new file's item is
// the only one computed, and the outputs are those of a run from scratch.
// The stage's key() logs each item it keys: fixed blocks of batchSize
// would key every item after the new file.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const FILES = 400;

const MODULE = `import fs from 'node:fs';
export const size = {
  run: (item, ctx) => ({ path: item.path, bytes: fs.readFileSync(ctx.workspace.resolve(item.path)).length }),
  key: (item) => {
    fs.appendFileSync(process.env.KEYED_LOG, item.path + '\\n');
    return item.path + ' ' + item.hash;
  },
};
export async function total(ctx) {
  const out = [];
  for await (const record of ctx.upstream('size')) out.push(record.path + ' ' + record.bytes);
  fs.writeFileSync(ctx.workspace.resolve('sizes.txt'), out.join('\\n'));
}
`;

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      size: { run: m.mjs#size, foreach: { files: "data/**/*.txt" }, batchSize: 20, cache: { scope: item } }
      total: { run: m.mjs#total, needs: [size] }
`;

describe('a map over files after a file was added or removed', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('keys the items of the blocks around it only, and computes the new file alone', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', PIPELINE);
    for (let i = 0; i < FILES; i++) ws.write(`data/f${String(i).padStart(4, '0')}.txt`, 'x'.repeat(i % 7));
    const log = ws.path('keyed.log');
    const env = { KEYED_LOG: log };
    const keyed = (): string[] => {
      const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      fs.rmSync(log, { force: true });
      return lines;
    };
    expect((await ws.run(['exec', 'p'], { env })).code).toBe(0);
    expect(keyed()).toHaveLength(FILES);

    // A file added after the 30th: the items of a few blocks of at most 20 keyed, not the 370 after it.
    ws.write('data/f0030a.txt', 'new');
    const added = await ws.run(['exec', 'p', '--json'], { env });
    expect(added.code, added.stderr).toBe(0);
    const afterAdd = keyed();
    expect(afterAdd).toContain('data/f0030a.txt');
    expect(afterAdd.length).toBeLessThanOrEqual(100);
    expect(stageEnd(added.events, 'size').items).toMatchObject({ total: FILES + 1, cached: FILES });
    const sizesAfterAdd = ws.read('sizes.txt');

    // The same after a file removed further on.
    fs.rmSync(ws.path('data/f0050.txt'));
    const removed = await ws.run(['exec', 'p', '--json'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(keyed().length).toBeLessThanOrEqual(100);
    expect(stageEnd(removed.events, 'size').items).toMatchObject({ total: FILES, cached: FILES });
    const sizesAfterRemove = ws.read('sizes.txt');

    // The outputs are a run's from scratch.
    fs.rmSync(ws.path('.runner'), { recursive: true });
    fs.rmSync(ws.path('sizes.txt'));
    expect((await ws.run(['exec', 'p'], { env })).code).toBe(0);
    expect(ws.read('sizes.txt')).toBe(sizesAfterRemove);
    expect(sizesAfterAdd.split('\n')).toHaveLength(FILES + 1);
    expect(sizesAfterAdd).toContain('data/f0030a.txt 3');
  });
});
