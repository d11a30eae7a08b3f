// The workers' Redis restarted without its data while a worker computes
// the run's batches: the jobs are gone, and so are the answers the run
// waited for. The run, once connected again, finds its batches missing
// from the queue, says so once, and queues them again; a worker computes
// them and the run ends with every item exactly once, rather than waiting
// forever for answers that can never come.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { stageEnd, waitFor } from './rig.js';
import { workersRig } from './workers-rig.js';

// Each item says it started, then waits for the file 'go' the test writes.
const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 4; i++) yield { id: 'i' + i }; }
export async function work(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('started.log'), item.id + '\\n');
  while (!fs.existsSync(ctx.workspace.resolve('go'))) await new Promise((resolve) => setTimeout(resolve, 20));
  return { id: item.id };
}
export async function collect(ctx) {
  const out = [];
  for await (const record of ctx.upstream('work')) out.push(record.id);
  fs.writeFileSync(ctx.workspace.resolve('work.json'), JSON.stringify(out));
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      work: { run: m.mjs#work, foreach: items, isolate: worker, batchSize: 2 }
      collect: { run: m.mjs#collect, needs: [work], cache: { policy: never } }
`;

function warnings(events: RunEvent[]): string[] {
  return events.flatMap((e) => (e.event === 'warning' ? [e.message] : []));
}

describe("the workers' Redis restarted without its data in the middle of a run", () => {
  const rig = workersRig();

  it('has the lost batches queued again: the run finishes, every item once', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    await rig.startWorker(ws.dir, ['--concurrency', '2']);
    const run = ws.run(['exec', 'p', '--workers', rig.url(), '--json']);
    // Both batches held by the worker: the first item of each has started.
    await waitFor(
      () => {
        const started = ws.exists('started.log') ? ws.read('started.log').split('\n') : [];
        return started.includes('i0') && started.includes('i2') ? true : undefined;
      },
      20_000,
      'the worker to hold both batches',
    );
    await rig.restartRedis();
    ws.write('go', '');

    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(stageEnd(result.events, 'work').items).toEqual({ total: 4, done: 4, cached: 0, failed: 0 });
    expect(JSON.parse(ws.read('work.json'))).toEqual(['i0', 'i1', 'i2', 'i3']);
    const runId = result.events.find((e) => e.event === 'run:start')?.runId;
    const lost = warnings(result.events).filter((w) => w.includes('no longer had'));
    expect(lost).toEqual([
      `the workers' queue at ${rig.url()} no longer had 2 batches (${runId}/p/work/0+2, ...) ` +
        '(Redis restarted without its data, or flushed?): queued again',
    ]);
  }, 60_000);
});
