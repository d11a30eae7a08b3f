// A task's records are read a batch at a time after they are yielded (one
// JSON.stringify per batch): the dataset holds exactly the records yielded,
// those whose text holds the batch's seam included, from an array, a
// generator and an async generator alike; and a loop that yields one object
// again and again, changing it, fails saying so instead of writing its last
// contents again and again.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `function record(i) {
  if (i % 101 === 0) return { i, list: [{ a: i }, { b: i }] };
  if (i % 103 === 0) return { i, text: 'x},{y' + i };
  return { id: 'r' + i, text: 'text ' + (i % 7), v: i };
}
const N = 1300;
export function array() { return Array.from({ length: N }, (_, i) => record(i)); }
export function* generator() { for (let i = 0; i < N; i++) yield record(i); }
export async function* stream() { for (let i = 0; i < N; i++) { if (i % 500 === 0) await null; yield record(i); } }
export function* reused() { const r = {}; for (let i = 0; i < N; i++) { r.i = i; yield r; } }
export function twice() { const r = { a: 1 }; return [r, r, { b: 2 }]; }
export async function check(ctx) {
  const from = ctx.params.from;
  let i = 0;
  for await (const got of ctx.upstream(from)) {
    const want = from === 'twice' ? [{ a: 1 }, { a: 1 }, { b: 2 }][i] : record(i);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error('record ' + i + ' is ' + JSON.stringify(got));
    i++;
  }
  const count = from === 'twice' ? 3 : N;
  if (i !== count) throw new Error(i + ' records, not ' + count);
  return [{ n: i }];
}
`;

const pipeline = (from: string): string => `version: 1
pipelines:
  p:
    params: { from: ${from} }
    stages:
      ${from}: { run: m.mjs#${from} }
      check: { run: m.mjs#check, needs: [${from}], params: [from] }
`;

describe("a task's records, written in batches", () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each(['array', 'generator', 'stream', 'twice'])('are the records it made (%s)', async (from) => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(from));
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(stageEnd(run.events, 'check').outcome).toBe('ran');
  });

  it('fail the task that yields one object again and again, saying so', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline('reused'));
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code).toBe(1);
    expect(stageEnd(run.events, 'reused').outcome).toBe('failed');
    expect(stageEnd(run.events, 'reused').reason).toMatch(
      /^m\.mjs#reused yielded one object as its records 1 and 2 \(counting from 1\): .*yield a new object for each record/,
    );
    expect(stageEnd(run.events, 'check').outcome).toBe('blocked');
  });
});
