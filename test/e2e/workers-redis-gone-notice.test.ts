// The workers' Redis gone in the middle of a run (not restarted): the run
// cannot hear its batches' answers and waits for Redis to come back. It
// says so, naming the queue, what Redis answered and how many batches
// wait, rather than one "(retrying)" line and then silence until the
// stage's timeout (or for ever): a run waiting on a Redis gone for good
// would look like one whose workers are busy. Once Redis is back the run
// goes on.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { BIN, waitFor } from './rig.js';
import { workersRig } from './workers-rig.js';

// Each item says it started, then waits for the file 'go' the test writes.
const MODULE = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 2; i++) yield { id: 'i' + i }; }
export async function work(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('started.log'), item.id + '\\n');
  while (!fs.existsSync(ctx.workspace.resolve('go'))) await new Promise((resolve) => setTimeout(resolve, 20));
  return { id: item.id };
}
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      work: { run: m.mjs#work, foreach: items, isolate: worker, batchSize: 2 }
`;

describe("the workers' Redis gone in the middle of a run", () => {
  const rig = workersRig();

  it('is said, with the queue, the problem and the batches waiting; the run goes on once Redis is back', async () => {
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': PIPELINE });
    const worker = await rig.startWorker(ws.dir);
    // The run's events go to a file the test reads as they come.
    const out = fs.openSync(ws.path('events.jsonl'), 'w');
    const child = spawn(process.execPath, [BIN, 'exec', 'p', '--workers', rig.url(), '--json'], {
      cwd: ws.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', out, 'pipe'],
    });
    fs.closeSync(out);
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const warnings = (): string[] =>
      (ws.exists('events.jsonl') ? ws.read('events.jsonl') : '')
        .split('\n')
        .filter((line) => line.startsWith('{"event":"warning"'))
        .map((line) => (JSON.parse(line) as Extract<RunEvent, { event: 'warning' }>).message);
    try {
      await waitFor(() => (ws.exists('started.log') ? true : undefined), 20_000, 'the worker to take the batch');
      const startAgain = await rig.stopRedis();
      const notice = await waitFor(
        () => warnings().find((w) => w.includes('does not answer')),
        30_000,
        'the run to say Redis does not answer',
      );
      expect(notice).toMatch(
        new RegExp(
          `^the workers' queue at ${rig.url()} does not answer \\(.+\\): 1 batch waits for it; ` +
            'the run goes on when it answers \\(Ctrl-C stops it\\)$',
        ),
      );
      // Redis back, empty: the batch is queued again and computed.
      await startAgain();
      worker.kill('SIGKILL');
      await worker.exited;
      await rig.startWorker(ws.dir);
      ws.write('go', '');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
