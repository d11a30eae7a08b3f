// A failed item is reported with where in the stage's code it was thrown,
// as a failed task is: `<message> (at <file>:<line>:<col>)`, the file
// relative to the workspace, for items computed on the main thread and in
// worker threads, JavaScript and TypeScript (whose line is the source's).
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: stages/m.mjs#items }
      inline: { run: stages/m.mjs#check, foreach: items }
      worker: { run: stages/m.mjs#check, foreach: items, isolate: worker, batchSize: 1 }
      typed: { run: stages/t.ts#check, foreach: items, isolate: worker, batchSize: 1 }
`;

const MJS = `export function* items() { for (const id of ['a', 'b', 'c', 'd', 'e']) yield { id }; }
export function check(item) {
  if (item.id === 'c') throw new Error('bad item');
  return item;
}
`;

const TS = `type Item = { id: string };

export function check(item: Item): Item {
  const id: string = item.id;
  if (id === 'c') throw new Error('bad typed item');
  return item;
}
`;

describe('a failed item', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('is reported with the file, line and column that threw, inline and in workers, JavaScript and TypeScript', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('stages/m.mjs', MJS);
    ws.write('stages/t.ts', TS);
    const result = await ws.run(['exec', 'p', '--keep-going', '--json']);
    expect(result.code).toBe(1);
    const first = (stage: string): unknown =>
      (stageEnd(result.events, stage).failure as { first?: { item: string; message: string }[] }).first;
    expect(first('inline')).toEqual([{ item: 'id=c', message: 'bad item (at stages/m.mjs:3:30)' }]);
    expect(first('worker')).toEqual([{ item: 'id=c', message: 'bad item (at stages/m.mjs:3:30)' }]);
    expect(first('typed')).toEqual([{ item: 'id=c', message: 'bad typed item (at stages/t.ts:5:25)' }]);
    expect(result.stderr).toContain('item id=c failed: bad typed item (at stages/t.ts:5:25)');
  });
});
