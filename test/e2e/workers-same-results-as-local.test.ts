// A map stage of 20,000 items computed by three `runner worker` processes
// (--workers) writes exactly the records a local run writes, each batch
// computed by one of them and recorded with the worker that did it.
import { describe, expect, it } from 'vitest';
import type { StageBatchEvent } from '../../src/engine/events.js';
import { lastRunRecord, stageEnd } from './rig.js';
import { workersRig } from './workers-rig.js';

const ITEMS = 20_000;
const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < ${ITEMS}; i++) yield { id: 'i' + i, n: i }; }
export function mix(item) {
  if (item.n % 1000 === 0) return undefined;
  let h = item.n;
  for (let k = 0; k < 200; k++) h = (h * 31 + k) % 1000003;
  if (item.n % 1000 === 1) return [{ id: item.id, part: 1 }, { id: item.id, part: 2, h }];
  return { id: item.id, h, tags: ['a', { deep: [item.n % 7, null, 'x"y'] }], unicode: 'é✓' };
}
export async function collect(ctx) {
  const out = [];
  for await (const record of ctx.upstream('mix')) out.push(JSON.stringify(record));
  fs.writeFileSync(ctx.workspace.resolve('mix.jsonl'), out.join('\\n'));
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      mix: { run: m.mjs#mix, foreach: items, isolate: worker, batchSize: 500, concurrency: 6, cache: { scope: item } }
      collect: { run: m.mjs#collect, needs: [mix], cache: { policy: never } }
`;

describe('a map stage on three remote workers', () => {
  const rig = workersRig();

  it('writes the same records as a local run, every batch from one of the workers', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    const local = await ws.run(['exec', 'p']);
    expect(local.code, local.stderr).toBe(0);
    const localRecords = ws.read('mix.jsonl');

    const workers = await Promise.all([1, 2, 3].map(() => rig.startWorker(ws.dir)));
    const remote = await ws.run(['exec', 'p', '--force=mix', '--workers', rig.url(), '--json']);
    expect(remote.code, remote.stderr).toBe(0);
    expect(ws.read('mix.jsonl')).toBe(localRecords);
    expect(stageEnd(remote.events, 'mix').items).toEqual({ total: ITEMS, done: ITEMS, cached: 0, failed: 0 });

    const batches = remote.events.filter((e): e is StageBatchEvent => e.event === 'stage:batch');
    expect(batches.reduce((sum, b) => sum + b.items, 0)).toBe(ITEMS);
    expect(new Set(batches.map((b) => b.batch)).size).toBe(ITEMS / 500);
    const ours = workers.map((w) => `:${w.pid}`);
    for (const batch of batches) expect(ours.some((suffix) => batch.worker.endsWith(suffix))).toBe(true);
    // The workers printed one line per batch they computed.
    const lines = workers.flatMap((w) =>
      w
        .stdout()
        .split('\n')
        .filter((l) => / p\/mix \d+\+500 \(run /.test(` ${l}`)),
    );
    expect(lines).toHaveLength(ITEMS / 500);
    // The run record says which worker computed how many items.
    const tally = lastRunRecord(ws).stages.find((s) => s.stage === 'mix')?.workers ?? {};
    expect(Object.values(tally).reduce((sum, t) => sum + t.items, 0)).toBe(ITEMS);
  });
});
