// A `runner worker` told to stop (SIGTERM) while it computes a batch takes
// no new one, finishes that one (the run gets its results), and exits 0.
import { describe, expect, it } from 'vitest';
import { stageEnd, waitFor } from './rig.js';
import { workersRig } from './workers-rig.js';

const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 10; i++) yield { id: 'i' + i }; }
export async function gated(item, ctx) {
  if (item.id === 'i3') {
    fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
    while (!fs.existsSync(ctx.workspace.resolve('go'))) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { id: item.id };
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      gated: { run: m.mjs#gated, foreach: items, isolate: worker, batchSize: 10 }
`;

describe('a remote worker told to stop', () => {
  const rig = workersRig();

  it('finishes the batch it computes, then exits', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    const worker = await rig.startWorker(ws.dir);
    const run = ws.run(['exec', 'p', '--workers', rig.url(), '--json']);
    await waitFor(() => (ws.exists('reached') ? true : undefined), 15_000, 'the worker to compute item i3');
    worker.kill('SIGTERM');
    await waitFor(() => (worker.stderr().includes('finishing the 1 batch it holds') ? true : undefined), 5000, 'stop');
    ws.write('go', '');
    expect(await worker.exited).toBe(0);
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(stageEnd(result.events, 'gated').items).toEqual({ total: 10, done: 10, cached: 0, failed: 0 });
    expect(worker.stdout()).toMatch(/p\/gated 0\+10 \(run .+\): 10 items in /);
  });
});
