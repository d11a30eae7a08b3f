// Map stages end to end: order, per-item failures with identity, retries,
// batch exports, worker threads, file items and the item cache.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
import { threadId } from 'node:worker_threads';
export function* numbers(ctx) { for (let i = 0; i < ctx.params.n; i++) yield { id: 'n' + i, value: i }; }
export async function slowDouble(item, ctx) {
  // Later items finish first: order must still be the input order.
  await new Promise((resolve) => setTimeout(resolve, (ctx.params.n - item.value) * 3));
  // A marker file outside the stage's key breaks an item: removing it fixes the item without changing any key.
  if (fs.existsSync(ctx.workspace.resolve('broken-' + item.id))) throw new Error('cannot double ' + item.value);
  return { id: item.id, doubled: item.value * 2 };
}
export function flaky(item, ctx) {
  const mark = ctx.workspace.resolve('tries-' + item.id);
  const tries = fs.existsSync(mark) ? Number(fs.readFileSync(mark, 'utf8')) : 0;
  fs.writeFileSync(mark, String(tries + 1));
  if (item.value === 3 && tries === 0) throw new Error('flaky once');
  return { id: item.id, tries: tries + 1 };
}
export const sizes = {
  batch(items, ctx) {
    fs.appendFileSync(ctx.workspace.resolve('batches.log'), items.length + ' ' + threadId + '\\n');
    return items.map((item) => ({ path: item.path, bytes: fs.readFileSync(ctx.workspace.resolve(item.path)).length, inWorker: threadId !== 0 }));
  },
};
export async function collect(ctx) {
  const out = [];
  for await (const record of ctx.upstream(ctx.params.from)) out.push(record);
  fs.writeFileSync(ctx.workspace.resolve('collected-' + ctx.params.from + '.json'), JSON.stringify(out));
}
`;

const pipeline = (extra: { isolate?: string; batchSize?: number } = {}): string => `version: 1
pipelines:
  m:
    params: { n: 12 }
    stages:
      numbers: { run: m.mjs#numbers, params: [n] }
      double:
        run: m.mjs#slowDouble
        foreach: numbers
        params: [n]
        concurrency: 8
        batchSize: 5
        cache: { scope: item }
      flaky:
        run: m.mjs#flaky
        foreach: numbers
        retries: 1
      sizes:
        run: m.mjs#sizes
        foreach: { files: "files/*.txt" }
        isolate: ${extra.isolate ?? 'worker'}
        batchSize: ${extra.batchSize ?? 4}
        cache: { scope: item }
      showDouble: { run: m.mjs#collect, needs: [double], params: { from: double } }
      showFlaky: { run: m.mjs#collect, needs: [flaky], params: { from: flaky } }
      showSizes: { run: m.mjs#collect, needs: [sizes], params: { from: sizes } }
`;

describe('map stages', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  const setUp = (extra?: Parameters<typeof pipeline>[0]): void => {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline(extra));
    ws.write('m.mjs', MODULE);
    for (let i = 0; i < 10; i++) ws.write(`files/f${i}.txt`, 'x'.repeat(i + 1));
  };

  it('keeps input order under concurrency, retries a flaky item, batches file items in worker threads', async () => {
    setUp();
    const run = await ws.run(['exec', 'm', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doubled = JSON.parse(ws.read('collected-double.json')) as { id: string; doubled: number }[];
    expect(doubled.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
    expect(doubled.map((r) => r.doubled)).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
    const flaky = JSON.parse(ws.read('collected-flaky.json')) as { id: string; tries: number }[];
    expect(flaky.find((r) => r.id === 'n3')?.tries).toBe(2);
    const sizes = JSON.parse(ws.read('collected-sizes.json')) as { path: string; bytes: number; inWorker: boolean }[];
    expect(sizes.map((r) => r.bytes)).toEqual(
      Array.from({ length: 10 }, (_, i) => `files/f${i}.txt`)
        .sort()
        .map((p) => Number(p.slice(7, -4)) + 1),
    );
    expect(sizes.every((r) => r.inWorker)).toBe(true);
    const batches = ws
      .read('batches.log')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[0]));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...batches)).toBeLessThanOrEqual(4);
    expect(stageEnd(run.events, 'sizes').items).toEqual({ total: 10, done: 10, cached: 0, failed: 0 });
  });

  it('reports a failed item by its identity, keeps the others cached, and computes only it once fixed', async () => {
    setUp();
    ws.write('broken-n7', '');
    const failed = await ws.run(['exec', 'm', '--json', '--keep-going']);
    expect(failed.code).toBe(1);
    const end = stageEnd(failed.events, 'double');
    expect(end.outcome).toBe('failed');
    expect(end.reason).toBe('1 item failed; first: id=n7: cannot double 7 (at m.mjs:8:72)');
    expect(end.items).toEqual({ total: 12, done: 11, cached: 0, failed: 1 });

    fs.rmSync(ws.path('broken-n7'));
    const fixed = await ws.run(['exec', 'm', '--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(stageEnd(fixed.events, 'double').items).toEqual({ total: 12, done: 12, cached: 11, failed: 0 });
    expect(outcomes(fixed.events).sizes).toBe('cached');
  });

  it('recomputes one file item after one file changes, and stays cached when only knobs change', async () => {
    setUp();
    expect((await ws.run(['exec', 'm'])).code).toBe(0);
    ws.write('files/f3.txt', 'changed content');
    const one = await ws.run(['exec', 'm', '--json']);
    expect(stageEnd(one.events, 'sizes').items).toEqual({ total: 10, done: 10, cached: 9, failed: 0 });
    expect(outcomes(one.events).double).toBe('cached');

    ws.write(
      'pipelines.yaml',
      pipeline({ isolate: 'inline', batchSize: 2 }).replace('concurrency: 8', 'concurrency: 2'),
    );
    const knobs = await ws.run(['exec', 'm', '--json']);
    expect(Object.values(outcomes(knobs.events)).every((o) => o === 'cached')).toBe(true);
  });
});
