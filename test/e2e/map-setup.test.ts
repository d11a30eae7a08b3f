// A map stage's setup(): once per thread that computes items, before its
// first item; in a cold run the pool starts (and runs setup) before the
// stage's inputs are hashed. A failing setup fails every item, with its
// message.
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLines, stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
import { threadId } from 'node:worker_threads';
const here = (name) => new URL('./' + name, import.meta.url);
let prepared;
export function* items() {
  const count = Number(fs.readFileSync(here('count'), 'utf8'));
  for (let i = 0; i < count; i++) yield { id: 'i' + i, v: fs.readFileSync(here('v'), 'utf8') };
}
export const tag = {
  setup: async () => {
    if (fs.existsSync(here('fail-setup'))) throw new Error('no parser here');
    fs.appendFileSync(here('setup.log'), threadId + '\\n');
    prepared = 'ready-' + threadId;
  },
  run: (item) => ({ id: item.id, prepared, thread: threadId }),
};
export async function collect(ctx) {
  const out = [];
  for await (const record of ctx.upstream('tag')) out.push(record);
  fs.writeFileSync(ctx.workspace.resolve('tags.json'), JSON.stringify(out));
}
`;

function workspace(count: number): Workspace {
  const ws = new Workspace();
  ws.write('m.mjs', MODULE);
  ws.write('count', String(count));
  ws.write('v', '1');
  return ws;
}

const pipeline = (isolate: string): string =>
  `version: 1\npipelines:\n  p:\n    stages:\n      items: { run: m.mjs#items, inputs: [count, v] }\n      tag: { run: m.mjs#tag, foreach: items, isolate: ${isolate}, batchSize: 4 }\n      collect: { run: m.mjs#collect, needs: [tag], cache: { policy: never } }\n`;

describe('a map stage with setup()', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('runs setup once in each worker thread, before any of its items', async () => {
    ws = workspace(40);
    ws.write('pipelines.yaml', pipeline('worker'));
    const result = await ws.run(['exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
    const threads = fileLines(ws, 'setup.log');
    // Cold: the whole pool started ahead of the first batch, each thread set up once.
    expect(threads).toHaveLength(os.availableParallelism());
    expect(new Set(threads).size).toBe(threads.length);
    expect(threads).not.toContain('0');
    const tags = JSON.parse(ws.read('tags.json')) as { id: string; prepared: string; thread: number }[];
    expect(tags).toHaveLength(40);
    for (const tag of tags) expect(tag.prepared).toBe(`ready-${tag.thread}`);
  });

  it('starts the pool ahead of a stage with nothing cached, not of a small rerun', async () => {
    ws = workspace(2);
    ws.write('pipelines.yaml', pipeline('worker'));
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    // Two items alone would run inline (thread 0); the stage was cold, so the
    // pool was already up and they ran there. (A worker that got no item may
    // be stopped before its setup finished: the run does not wait for it.)
    const cold = fileLines(ws, 'setup.log');
    expect(cold.length).toBeGreaterThanOrEqual(1);
    expect(cold).not.toContain('0');
    ws.write('v', '2');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(fileLines(ws, 'setup.log')).toEqual([...cold, '0']);
  });

  it('runs setup once on the main thread when items run inline', async () => {
    ws = workspace(40);
    ws.write('pipelines.yaml', pipeline('inline'));
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(fileLines(ws, 'setup.log')).toEqual(['0']);
    const tags = JSON.parse(ws.read('tags.json')) as { prepared: string }[];
    expect(new Set(tags.map((t) => t.prepared))).toEqual(new Set(['ready-0']));
  });

  it.each(['worker', 'inline'])('fails every item with the setup error (isolate: %s)', async (isolate) => {
    ws = workspace(40);
    ws.write('fail-setup', '');
    ws.write('pipelines.yaml', pipeline(isolate));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    expect(stageEnd(result.events, 'tag').reason).toBe('40 items failed; first: id=i0: setup() failed: no parser here');
  });
});
