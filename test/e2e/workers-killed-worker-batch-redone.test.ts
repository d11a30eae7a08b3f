// A `runner worker` killed outright (SIGKILL) while it computes a batch:
// the batch's lock runs out, BullMQ's stalled check hands it to another
// worker, and the run finishes with every item exactly once, the killed
// batch's records those of the worker that redid it.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StageBatchEvent } from '../../src/engine/events.js';
import { stageEnd, waitFor } from './rig.js';
import { workersRig } from './workers-rig.js';

const ITEMS = 3000;
const HELD = 1234;
// The first worker to reach item HELD claims it (the file 'held', created
// exclusively, names its pid) and never finishes it; any later one goes on.
const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < ${ITEMS}; i++) yield { id: 'i' + i, n: i }; }
export async function work(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + ' ' + process.pid + '\\n');
  if (item.n === ${HELD}) {
    try {
      fs.writeFileSync(ctx.workspace.resolve('held'), String(process.pid), { flag: 'wx' });
      await new Promise(() => setInterval(() => {}, 60_000));
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
  return { id: item.id, by: process.pid };
}
export async function collect(ctx) {
  const out = [];
  for await (const record of ctx.upstream('work')) out.push(record);
  fs.writeFileSync(ctx.workspace.resolve('work.json'), JSON.stringify(out));
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      work: { run: m.mjs#work, foreach: items, isolate: worker, batchSize: 100, concurrency: 6 }
      collect: { run: m.mjs#collect, needs: [work], cache: { policy: never } }
`;

describe('a remote worker killed in the middle of a batch', () => {
  const rig = workersRig();

  it('has another worker redo the batch: every item exactly once', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    const workers = await Promise.all([1, 2, 3].map(() => rig.startWorker(ws.dir)));
    const run = ws.run(['exec', 'p', '--workers', rig.url(), '--json']);
    const heldBy = await waitFor(
      () => (ws.exists('held') && ws.read('held') !== '' ? Number(ws.read('held')) : undefined),
      20_000,
      `a worker to hold item i${HELD}`,
    );
    const victim = workers.find((w) => w.pid === heldBy);
    if (!victim) throw new Error(`item i${HELD} was held by pid ${heldBy}, not one of the workers`);
    victim.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(stageEnd(result.events, 'work').items).toEqual({ total: ITEMS, done: ITEMS, cached: 0, failed: 0 });
    // Every item's record exactly once, in order.
    const records = JSON.parse(ws.read('work.json')) as { id: string; by: number }[];
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => `i${i}`));
    // The held batch was computed by the killed worker up to the held item, then redone by another.
    const batchStart = HELD - (HELD % 100);
    const computed = fs.readFileSync(ws.path('computed.log'), 'utf8').trim().split('\n');
    const firstOfBatch = computed
      .filter((line) => line.startsWith(`i${batchStart} `))
      .map((l) => Number(l.split(' ')[1]));
    expect(firstOfBatch).toContain(heldBy);
    const redoneBy = records[HELD]?.by;
    expect(redoneBy).not.toBe(heldBy);
    expect(firstOfBatch).toContain(redoneBy);
    expect(records.slice(batchStart, batchStart + 100).every((r) => r.by === redoneBy)).toBe(true);
    const held = result.events.find(
      (e): e is StageBatchEvent => e.event === 'stage:batch' && e.batch.endsWith(`/${batchStart}+100`),
    );
    expect(held?.starts).toBeGreaterThanOrEqual(2);
    expect(held?.worker.endsWith(`:${redoneBy}`)).toBe(true);
  });
});
