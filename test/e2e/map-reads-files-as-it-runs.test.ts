// A map over thousands of files that never ran here starts its items while
// a worker thread is still reading its files (its stage:start has no key
// yet): the key it records once every file is read is the one a run that
// reads them first computes, so the next run finds it cached, and an edit
// after it reruns one item. An item that fails while the files are still
// being read fails the stage with its identity, and the rerun takes the
// other items from the journal (the failed run read every file, so the
// rerun reads only the mended one, before it starts). Its ctx.inputs are
// its files from the start.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { countPipeline, MANY_FILES as FILES, manyFile as file, MANY_FILES_PARENT } from './many-files.js';
import { stageEnd, Workspace } from './rig.js';

const PIPELINE = countPipeline(`      sum:
        run: work.mjs#sum
        needs: [count]
        outputs: [total.txt]
`);

const WORK = `import fs from 'node:fs';
export function count(item, ctx) {
  const text = fs.readFileSync(ctx.workspace.resolve(item.path), 'utf8');
  if (text.startsWith('bad')) throw new Error('a bad file');
  // Its files are its inputs, sorted, before any is read.
  if (ctx.inputs[ctx.index] !== item.path) throw new Error('ctx.inputs[' + ctx.index + '] is ' + ctx.inputs[ctx.index]);
  return { path: item.path, n: text.length };
}
export async function sum(ctx) {
  let total = 0;
  let files = 0;
  for await (const record of ctx.upstream('count')) {
    total += record.n;
    files++;
  }
  fs.writeFileSync(ctx.workspace.resolve('total.txt'), files + ' ' + total);
  return [{ total }];
}
`;

function stageStart(events: RunEvent[], stage: string): Extract<RunEvent, { event: 'stage:start' }> | undefined {
  return events.find(
    (e): e is Extract<RunEvent, { event: 'stage:start' }> => e.event === 'stage:start' && e.stage === stage,
  );
}

describe('a map over many files never run here', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  function workspace(): number {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    let bytes = 0;
    for (let i = 0; i < FILES; i++) {
      const text = `file ${i}\n`;
      ws.write(file(i), text);
      bytes += text.length;
    }
    // A link among them is read through, as a run that reads every file first reads it.
    fs.symlinkSync(ws.path(file(7)), ws.path('data/link.txt'));
    return bytes + `file 7\n`.length;
  }

  it('starts before its files are read and records the key a run reading them first computes', async () => {
    const bytes = workspace();
    const cold = await ws.run(['exec', 'p', '--json']);
    expect(cold.code, cold.stderr).toBe(0);
    expect(stageStart(cold.events, 'count')?.key).toBe('');
    const key = stageEnd(cold.events, 'count').key;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(ws.read('total.txt')).toBe(`${FILES + 1} ${bytes}`);

    const again = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(again.events, 'count')).toMatchObject({ outcome: 'cached', key });
    expect(stageEnd(again.events, 'sum').outcome).toBe('cached');

    ws.write(file(4321), 'file 4321, edited\n');
    const edited = await ws.run(['exec', 'p', '--json']);
    const end = stageEnd(edited.events, 'count');
    expect(end).toMatchObject({ outcome: 'ran', reason: `input changed: ${file(4321)}` });
    expect(end.items).toMatchObject({ total: FILES + 1, cached: FILES });
    expect(stageStart(edited.events, 'count')?.key).toBe(end.key);
  });

  it('fails with the identity of an item that fails while its files are read, and the rerun computes only that one', async () => {
    workspace();
    ws.write(file(4500), 'bad file\n');
    const failed = await ws.run(['exec', 'p', '--json']);
    expect(failed.code).not.toBe(0);
    const end = stageEnd(failed.events, 'count');
    expect(end.outcome).toBe('failed');
    expect(end.reason).toContain(file(4500));

    ws.write(file(4500), 'file 4500, mended\n');
    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(stageEnd(rerun.events, 'count').items).toMatchObject({ total: FILES + 1, cached: FILES });
  });
});
