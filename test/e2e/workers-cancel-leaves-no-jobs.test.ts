// A run with remote workers interrupted (Ctrl-C) while a worker computes
// one of its batches and others wait: the waiting jobs are removed, the
// worker stops the one it computes, and nothing of the run stays queued.
import { describe, expect, it } from 'vitest';
import { runAndSignal, waitFor } from './rig.js';
import { until, workersRig } from './workers-rig.js';

const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 200; i++) yield { id: 'i' + i, n: i }; }
export function fast(item) { return { id: item.id }; }
export async function slow(item, ctx) {
  if (item.n === 30) {
    fs.writeFileSync(ctx.workspace.resolve('reached'), String(process.pid));
    await new Promise(() => setInterval(() => {}, 60_000));
  }
  return { id: item.id };
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      slow: { run: m.mjs#slow, foreach: items, isolate: worker, batchSize: 10, concurrency: 8 }
  q:
    stages:
      items: { run: m.mjs#items }
      fast: { run: m.mjs#fast, foreach: items, isolate: worker, batchSize: 50 }
`;

describe('a run on remote workers interrupted', () => {
  const rig = workersRig();

  it('leaves no job of the run in the queue, and the worker free', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    const worker = await rig.startWorker(ws.dir, ['--concurrency', '1']);
    const interrupted = await runAndSignal(ws, ['exec', 'p', '--workers', rig.url(), '--json'], {
      whenExists: 'reached',
      signal: 'SIGINT',
    });
    expect(interrupted.code).toBe(130);
    const start = interrupted.events.find((e) => e.event === 'run:start');
    const runId = start?.event === 'run:start' ? start.runId : '';
    expect(runId).not.toBe('');
    // The worker gave up the batch it was computing...
    await waitFor(() => (worker.stderr().includes('cancelled by its run') ? true : undefined), 10_000, 'the cancel');
    // ...and the queue keeps nothing of the run: not the batches that waited, nor that one.
    await until(async () => (await rig.jobsOfRun(runId)).length === 0, 10_000, 'no job of the run in Redis');
    expect(await rig.jobsOfRun(runId)).toEqual([]);
    // Its one slot is free again: it computes the next run's batches.
    const next = await ws.run(['exec', 'q', '--workers', rig.url(), '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.events.filter((e) => e.event === 'stage:batch')).toHaveLength(4);
  });
});
