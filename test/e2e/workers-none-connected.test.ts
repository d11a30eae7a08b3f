// A run with --workers and no worker connected to the queue says so,
// naming the queue, and still ends at the stage's timeout; its jobs go.
import { describe, expect, it } from 'vitest';
import { stageEnd } from './rig.js';
import { workersRig } from './workers-rig.js';

const MODULE = `export function* items() { for (let i = 0; i < 20; i++) yield { id: 'i' + i }; }
export function echo(item) { return item; }
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      echo: { run: m.mjs#echo, foreach: items, isolate: process, batchSize: 5, timeout: 7s }
`;

describe('a run whose queue has no worker', () => {
  const rig = workersRig();

  it('says it waits for workers on the queue, then times the stage out', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    const result = await ws.run(['exec', 'p', '--json'], { env: { RUNNER_WORKERS: rig.url() } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `warning: p/echo: waiting for workers on ${rig.url()} (queue runner): 0 connected; ` +
        `start one where this commit is checked out: runner worker --queue ${rig.url()}`,
    );
    expect(stageEnd(result.events, 'echo').reason).toBe('timeout after 7s');
    const start = result.events.find((e) => e.event === 'run:start');
    expect(await rig.jobsOfRun(start?.event === 'run:start' ? start.runId : '?')).toEqual([]);
  });
});
