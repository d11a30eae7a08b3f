// ctx.read(item): an item's file, the very bytes its hash (its key) was
// taken from. On a cold map over many files run inline they are the bytes
// the hash pass read: a file rewritten after its hash was taken (here by
// the item before it, so by control, not by timing) is still read as it
// was hashed, and the next run reads it anew. Where the item reads the
// file itself (isolate: worker), the same rewrite fails the item, named,
// rather than give a result its key does not describe; the rerun reads the
// new content. A batch export and a child process (isolate: process) read
// the same bytes. A task, a map over records and an argument that is not
// an item are told what ctx.read is for.
import { afterEach, describe, expect, it } from 'vitest';
import { countPipeline, MANY_FILES as FILES, manyFile as file, MANY_FILES_PARENT } from './many-files.js';
import { stageEnd, Workspace } from './rig.js';

/** The list's second file (sorted, as items come), which the first item rewrites. */
const second = Array.from({ length: FILES }, (_, i) => file(i)).sort()[1] as string;

const WORK = `import fs from 'node:fs';
export function count(item, ctx) {
  const text = ctx.read(item, 'utf8');
  const bytes = ctx.read(item);
  if (bytes.toString('utf8') !== text) throw new Error('two reads differ');
  if (ctx.index === 0) fs.writeFileSync(ctx.workspace.resolve(${JSON.stringify(second)}), 'rewritten\\n');
  return { path: item.path, text };
}
export async function pick(ctx) {
  for await (const record of ctx.upstream('count'))
    if (record.path === ${JSON.stringify(second)}) fs.writeFileSync(ctx.workspace.resolve('second.txt'), record.text);
  return [];
}
`;

const PICK = `      pick:
        run: work.mjs#pick
        needs: [count]
        outputs: [second.txt]
`;

describe('ctx.read(item)', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  function workspace(pipeline: string): void {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write('pipelines.yaml', pipeline);
    ws.write('work.mjs', WORK);
    for (let i = 0; i < FILES; i++) ws.write(file(i), `file ${i}\n`);
  }

  it('gives a cold inline map the bytes the hash pass read: a file rewritten after its hash was taken reads as hashed', async () => {
    workspace(countPipeline(PICK));
    const original = ws.read(second);
    const cold = await ws.run(['exec', 'p', '--json']);
    expect(cold.code, cold.stderr).toBe(0);
    expect(ws.read('second.txt')).toBe(original);
    expect(ws.read(second)).toBe('rewritten\n');

    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const end = stageEnd(rerun.events, 'count');
    expect(end.reason).toBe(`input changed: ${second}`);
    expect(end.items).toMatchObject({ total: FILES, cached: FILES - 1 });
    expect(ws.read('second.txt')).toBe('rewritten\n');
  });

  it('fails an item whose file changed after its hash was taken where it reads the file itself, and the rerun reads it', async () => {
    workspace(countPipeline(PICK).replace('isolate: inline', 'isolate: worker'));
    const cold = await ws.run(['exec', 'p', '--json']);
    expect(cold.code).not.toBe(0);
    const end = stageEnd(cold.events, 'count');
    expect(end.outcome).toBe('failed');
    expect(end.reason).toContain(`${second} changed after the run hashed it`);
    expect(end.items).toMatchObject({ failed: 1 });

    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(ws.read('second.txt')).toBe('rewritten\n');
  });

  it('fails the item the same way on the main thread when no bytes were kept (a short list, hashed before it runs)', async () => {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write('pipelines.yaml', countPipeline(PICK).replace('data/**/*.txt', 'data/d00/*.txt'));
    ws.write('work.mjs', WORK);
    for (let i = 0; i < 90; i += 9) ws.write(file(i), `file ${i}\n`);
    const cold = await ws.run(['exec', 'p', '--json']);
    expect(cold.code).not.toBe(0);
    const end = stageEnd(cold.events, 'count');
    expect(end.reason).toContain(`${second} changed after the run hashed it`);
    expect(end.items).toMatchObject({ failed: 1 });
  });

  it('reads the same bytes in a batch export and in a child process, and with an encoding', async () => {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  p:
    stages:
      batched: { run: work.mjs#batched, foreach: { files: ["*.txt"] }, isolate: inline }
      apart: { run: work.mjs#apart, foreach: { files: ["*.txt"] }, isolate: process }
      both:
        run: work.mjs#both
        needs: [batched, apart]
        outputs: [both.json]
`,
    );
    ws.write('a.txt', 'alpha\n');
    ws.write('b.txt', 'béta\n');
    ws.write(
      'work.mjs',
      `import fs from 'node:fs';
export const batched = { batch: (items, ctx) => items.map((item) => ({ path: item.path, text: ctx.read(item).toString('utf8') })) };
export function apart(item, ctx) { return { path: item.path, text: ctx.read(item, 'latin1') }; }
export async function both(ctx) {
  const out = {};
  for (const stage of ['batched', 'apart']) for await (const r of ctx.upstream(stage)) out[stage + ' ' + r.path] = r.text;
  fs.writeFileSync(ctx.workspace.resolve('both.json'), JSON.stringify(out));
  return [];
}
`,
    );
    const run = await ws.run(['exec', 'p']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(ws.read('both.json'))).toEqual({
      'batched a.txt': 'alpha\n',
      'batched b.txt': 'béta\n',
      'apart a.txt': 'alpha\n',
      'apart b.txt': Buffer.from('béta\n').toString('latin1'),
    });
  });

  it('tells a task, a map over records and a call without an item what it is for', async () => {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  task:
    stages:
      t: { run: work.mjs#task }
  records:
    stages:
      gen: { run: work.mjs#gen }
      each: { run: work.mjs#each, foreach: gen }
  notItem:
    stages:
      files: { run: work.mjs#notItem, foreach: { files: ["*.txt"] } }
`,
    );
    ws.write('a.txt', 'a\n');
    ws.write(
      'work.mjs',
      `export function task(ctx) { ctx.read({ path: 'a.txt', hash: 'x' }); }
export function gen() { return [{ id: 1 }]; }
export function each(item, ctx) { return { text: ctx.read(item, 'utf8') }; }
export function notItem(item, ctx) { return { text: ctx.read('a.txt', 'utf8') }; }
`,
    );
    const task = await ws.run(['exec', 'task']);
    expect(task.code).not.toBe(0);
    expect(task.stderr).toContain(
      'task/t: ctx.read(item) reads the file of an item of a map over files (foreach: { files }); a task stage has no such items',
    );
    const records = await ws.run(['exec', 'records']);
    expect(records.code).not.toBe(0);
    expect(records.stderr).toContain('records/each: ctx.read(item) reads the file of an item of a map over files');
    expect(records.stderr).toContain('its items are records');
    const notItem = await ws.run(['exec', 'notItem']);
    expect(notItem.code).not.toBe(0);
    expect(notItem.stderr).toContain(
      'notItem/files: ctx.read(item) takes an item of the stage ({ path, hash }), not "a.txt"',
    );
  });
});
