// A `runner worker` whose checkout has other code for the stage (another
// commit), or other copies of the files the stage declares as inputs (which
// its code reads there), refuses the run's batches, and the run fails with
// its words, at once, rather than waiting or computing a result the run's
// key does not name.
import { describe, expect, it } from 'vitest';
import { stageEnd } from './rig.js';
import { workersRig } from './workers-rig.js';

const MODULE = `export function* items() { for (let i = 0; i < 400; i++) yield { id: 'i' + i, n: i }; }
export function square(item) { return { id: item.id, square: item.n * item.n }; }
`;
const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      square: { run: m.mjs#square, foreach: items, isolate: worker, batchSize: 50 }
`;

describe('a remote worker on other code', () => {
  const rig = workersRig();

  it('refuses the batches, and the run fails saying whose code differs', async () => {
    // The run names its queue in pipelines.yaml (`workers:`).
    const ws = rig.workspace({ 'm.mjs': MODULE, 'pipelines.yaml': `workers: ${rig.url()}\n${PIPELINE}` });
    // The worker's checkout: the same files, the stage edited.
    const other = rig.workspace({
      'm.mjs': MODULE.replace('item.n * item.n', 'item.n * item.n + 1'),
      'pipelines.yaml': PIPELINE,
    });
    const worker = await rig.startWorker(other.dir);

    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    const end = stageEnd(result.events, 'square');
    expect(end.outcome).toBe('failed');
    const differs = "code differs from the run's \\(checkout at another commit\\?\\)";
    const hashes = '[0-9a-f]{12} vs [0-9a-f]{12} \\(worker vs run\\)';
    expect(end.reason).toMatch(
      new RegExp(
        `^worker on host .+ \\(pid ${worker.pid}\\): stage p/square ${differs} — ${hashes}; ` +
          "check out the run's commit there and restart the worker$",
      ),
    );
    expect(result.stderr).toContain("code differs from the run's (checkout at another commit?)");
    expect(worker.stderr()).toMatch(/p\/square 0\+50 \(run .+\): 50 items: refused: worker on host/);
    // Nothing of the stage was computed with the worker's code.
    expect(worker.stdout()).not.toMatch(/p\/square .* items in /);
    const start = result.events.find((e) => e.event === 'run:start');
    expect(await rig.jobsOfRun(start?.event === 'run:start' ? start.runId : '?')).toEqual([]);
  });

  it("refuses the batches when its copy of a declared input is not the run's", async () => {
    const READS = `import fs from 'node:fs';
export function* items() { for (let i = 0; i < 100; i++) yield { id: 'i' + i, n: i }; }
export function scaled(item, ctx) { return { id: item.id, n: item.n * Number(fs.readFileSync(ctx.workspace.resolve('factor.txt'), 'utf8')) }; }
`;
    const pipeline = `version: 1
pipelines:
  p:
    stages:
      items: { run: m.mjs#items }
      scaled: { run: m.mjs#scaled, foreach: items, inputs: [factor.txt], isolate: worker, batchSize: 50 }
`;
    const ws = rig.workspace({
      'm.mjs': READS,
      'factor.txt': '3',
      'pipelines.yaml': `workers: ${rig.url()}\n${pipeline}`,
    });
    const other = rig.workspace({ 'm.mjs': READS, 'factor.txt': '2', 'pipelines.yaml': pipeline });
    const worker = await rig.startWorker(other.dir);

    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    const end = stageEnd(result.events, 'scaled');
    expect(end.outcome).toBe('failed');
    expect(end.reason).toMatch(
      new RegExp(
        `^worker on host .+ \\(pid ${worker.pid}\\): stage p/scaled input factor\\.txt differs from the run's — [0-9a-f]{12} vs [0-9a-f]{12} \\(worker vs run\\); check out the run's commit there`,
      ),
    );
    expect(worker.stdout()).not.toMatch(/p\/scaled .* items in /);
  });

  it("fails an item whose file in the worker's checkout is not the run's, naming the worker", async () => {
    const FILES = `export function size(item, ctx) { return { path: item.path, text: ctx.read(item, 'utf8').trim() }; }\n`;
    const pipeline = `version: 1
pipelines:
  p:
    stages:
      size: { run: m.mjs#size, foreach: { files: ["data/*.txt"] }, isolate: worker, batchSize: 50 }
`;
    const ws = rig.workspace({
      'm.mjs': FILES,
      'data/a.txt': 'a',
      'data/b.txt': 'edited here only',
      'data/c.txt': 'not committed',
      'pipelines.yaml': `workers: ${rig.url()}\n${pipeline}`,
    });
    const other = rig.workspace({ 'm.mjs': FILES, 'data/a.txt': 'a', 'data/b.txt': 'b', 'pipelines.yaml': pipeline });
    const worker = await rig.startWorker(other.dir);

    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    expect(stageEnd(result.events, 'size').items).toEqual({ total: 3, done: 1, cached: 0, failed: 2 });
    const host = `worker host .+ \\(pid ${worker.pid}\\)`;
    expect(result.stderr).toMatch(
      new RegExp(
        `item path=data/b\\.txt failed: data/b\\.txt on ${host} is not the run's \\([0-9a-f]{12} vs [0-9a-f]{12}, worker vs run\\)`,
      ),
    );
    expect(result.stderr).toMatch(
      new RegExp(`item path=data/c\\.txt failed: data/c\\.txt is not on ${host}: check out`),
    );
  });
});
