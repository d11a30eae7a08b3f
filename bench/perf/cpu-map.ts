// CPU-bound map stage (20k items, sha256 rounds each) run by `runner exec`
// with the YAML knobs, beside the seed's "before": the same function called
// sequentially over an array loaded in full, in one process.
//
//   npx tsx bench/perf/cpu-map.ts [--items 20000] [--rounds 150] [--cache-rounds 1000] [--pairs 5]
//
// The knob table runs each variant once against one loop run. The headline,
// isolate worker with batchSize 200, is also measured side by side: --pairs
// times the loop, the bare threads and the runner in turn (the order
// reversed every other pair), and the median of each pair's ratio, since
// on a VM the loop alone moves by a third from one minute to the next.
//
// --rounds sets the cost of an item in the knob table (150 sha256 rounds,
// about 0.15 ms); --cache-rounds the cost in the item-cache table (about
// 1 ms, a file parse), where what matters is the per-item cache overhead.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { machine, ms, runCli, setKnob, stage, table, tempWorkspace, write } from '../lib.js';
import { cpuPipeline, cpuWorkModule as module_ } from './cpu-work.js';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1] ?? '']));
const ITEMS = Number(args.get('--items') ?? 20000);
const ROUNDS = Number(args.get('--rounds') ?? 150);
const CACHE_ROUNDS = Number(args.get('--cache-rounds') ?? 1000);
const PAIRS = Number(args.get('--pairs') ?? 5);

const BASELINE = `
import { writeFileSync } from 'node:fs';
import { textFor, work } from './work.mjs';
const items = [];
for (let i = 0; i < ${ITEMS}; i++) items.push({ id: 'item-' + i, text: textFor(i, -1) });
const t = performance.now();
const out = items.map(work);
writeFileSync('baseline-out.jsonl', out.map((r) => JSON.stringify(r)).join('\\n'));
process.stdout.write(JSON.stringify({ ms: performance.now() - t }));
`;

// The ceiling on this machine: the same items split over as many bare
// worker threads as there are cores, with no runner at all (no dataset, no
// messages per batch). Timed from the first thread's start, as the stage is.
const CEILING = `
import { Worker } from 'node:worker_threads';
import os from 'node:os';
const threads = os.availableParallelism();
const per = Math.ceil(${ITEMS} / threads);
const t = performance.now();
await Promise.all(Array.from({ length: threads }, (_, k) => new Promise((resolve) => {
  const worker = new Worker(new URL('./ceiling-worker.mjs', import.meta.url), { workerData: { from: k * per, to: Math.min(${ITEMS}, (k + 1) * per) } });
  worker.once('message', () => worker.terminate().then(resolve));
})));
process.stdout.write(JSON.stringify({ ms: performance.now() - t }));
`;
const CEILING_WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
import { textFor, work } from './work.mjs';
for (let i = workerData.from; i < workerData.to; i++) work({ id: 'item-' + i, text: textFor(i, -1) });
parentPort.postMessage('done');
`;

const yaml = (isolate: string, batchSize: number, scope: string): string =>
  cpuPipeline({ items: ITEMS, isolate, batchSize, scope });

const dir = tempWorkspace('cpu');
write(dir, 'work.mjs', module_(ROUNDS));
write(dir, 'baseline.mjs', BASELINE);
write(dir, 'ceiling.mjs', CEILING);
write(dir, 'ceiling-worker.mjs', CEILING_WORKER);
write(dir, 'pipelines.yaml', yaml('worker', 200, 'stage'));
console.error(`workspace ${dir}`);

/** The in-process time a script of the workspace reports ({ ms }). */
function scriptMs(script: string): number {
  const result = spawnSync(process.execPath, [path.join(dir, script)], { cwd: dir, encoding: 'utf8' });
  return (JSON.parse(result.stdout) as { ms: number }).ms;
}

// The "before": sequential, everything in memory.
const beforeMs = scriptMs('baseline.mjs');
const ceilingMs = scriptMs('ceiling.mjs');

await runCli(dir, ['exec', 'cpu']); // builds gen's dataset once
const rows: (string | number)[][] = [
  ['before: sequential loop, all items in memory', '-', '-', ms(beforeMs), '1.00x', '-'],
  [
    `ceiling: the items split over ${os.availableParallelism()} bare worker threads, no runner`,
    '-',
    '-',
    ms(ceilingMs),
    `${(beforeMs / ceilingMs).toFixed(2)}x`,
    '-',
  ],
];
const variants: [string, number][] = [
  ['inline', 200],
  ['worker', 1],
  ['worker', 50],
  ['worker', 200],
  ['worker', 1000],
];
let workerSpeedup = 0;
let workerCpu = 0;
for (const [isolate, batchSize] of variants) {
  setKnob(dir, 'work', 'isolate', isolate);
  setKnob(dir, 'work', 'batchSize', String(batchSize));
  const run = await runCli(dir, ['exec', 'cpu', '--force=work']);
  const work = stage(run.record, 'work');
  const duration = work.durationMs ?? 0;
  const speedup = beforeMs / duration;
  const cpu = run.record.cpuUtilisation ?? 0;
  if (isolate === 'worker' && batchSize === 200) {
    workerSpeedup = speedup;
    workerCpu = cpu;
  }
  rows.push([
    `runner: isolate ${isolate}, batchSize ${batchSize}`,
    isolate,
    batchSize,
    ms(duration),
    `${speedup.toFixed(2)}x`,
    `${Math.round(cpu * 100)}%`,
  ]);
}

// Knob edits never invalidate the cache: after all those edits a plain run is all cached.
const after = await runCli(dir, ['exec', 'cpu']);
const allCached = after.record.stages.every((s) => s.outcome === 'cached');

// The headline side by side: loop, bare threads and runner in turn, PAIRS times.
setKnob(dir, 'work', 'isolate', 'worker');
setKnob(dir, 'work', 'batchSize', '200');
const pairs: { loop: number; bare: number; runner: number }[] = [];
for (let k = 0; k < PAIRS; k++) {
  const runnerMs = async (): Promise<number> =>
    stage((await runCli(dir, ['exec', 'cpu', '--force=work'])).record, 'work').durationMs ?? 0;
  if (k % 2 === 0)
    pairs.push({ loop: scriptMs('baseline.mjs'), bare: scriptMs('ceiling.mjs'), runner: await runnerMs() });
  else {
    const runner = await runnerMs();
    const bare = scriptMs('ceiling.mjs');
    pairs.push({ loop: scriptMs('baseline.mjs'), bare, runner });
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const pairRatios = pairs.map((p) => p.loop / p.runner);
const bareRatios = pairs.map((p) => p.loop / p.bare);

// Item-level cache: cold, then one changed item out of ITEMS, then one more item upstream.
const cacheDir = tempWorkspace('cpu-cache');
write(cacheDir, 'work.mjs', module_(CACHE_ROUNDS));
write(cacheDir, 'pipelines.yaml', yaml('worker', 50, 'item'));
const cold = await runCli(cacheDir, ['exec', 'cpu']);
const coldMs = stage(cold.record, 'work').durationMs ?? 0;
const one = await runCli(cacheDir, ['exec', 'cpu', '--param', 'mutate=17']);
const oneWork = stage(one.record, 'work');
const again = await runCli(cacheDir, ['exec', 'cpu', '--param', 'mutate=17', '--param', `n=${ITEMS + 1}`]);
const againWork = stage(again.record, 'work');

const report = `## CPU-bound map stage (${ITEMS} items x ${ROUNDS} sha256 rounds), isolate and batchSize

${table(['variant', 'isolate', 'batchSize', 'work stage', 'speedup vs before', 'CPU (all cores)'], rows)}

- isolate: worker, batchSize 200: **${workerSpeedup.toFixed(2)}x** the sequential loop on ${os.availableParallelism()} cores, CPU utilisation **${Math.round(workerCpu * 100)}%** of all cores; the bare threads reach ${(beforeMs / ceilingMs).toFixed(2)}x, so the runner keeps ${((workerSpeedup / (beforeMs / ceilingMs)) * 100).toFixed(0)}% of what this machine's cores give.
- Side by side, ${PAIRS} turns of the loop, the bare threads and the runner (isolate worker, batchSize 200): the runner **${median(pairRatios).toFixed(2)}x** the loop (median; each turn ${pairRatios.map((r) => `${r.toFixed(2)}x`).join(', ')}), the bare threads ${median(bareRatios).toFixed(2)}x (${bareRatios.map((r) => `${r.toFixed(2)}x`).join(', ')}); the loop took ${pairs.map((p) => ms(p.loop)).join(', ')}.
- After every knob edit above, a plain \`runner exec cpu\`: ${allCached ? 'all stages `cached` (knobs never invalidate the cache)' : 'NOT all cached'}.

## Item-level cache (\`cache: { scope: item }\`, ${ITEMS} items x ${CACHE_ROUNDS} sha256 rounds, isolate worker)

${table(
  ['run', 'work stage', 'items computed', 'items cached', 'share of cold'],
  [
    [
      'cold (all items)',
      ms(coldMs),
      (stage(cold.record, 'work').items?.total ?? 0) - (stage(cold.record, 'work').items?.cached ?? 0),
      stage(cold.record, 'work').items?.cached ?? 0,
      '100%',
    ],
    [
      'one item changed',
      ms(oneWork.durationMs ?? 0),
      (oneWork.items?.total ?? 0) - (oneWork.items?.cached ?? 0),
      oneWork.items?.cached ?? 0,
      `${(((oneWork.durationMs ?? 0) / coldMs) * 100).toFixed(1)}%`,
    ],
    [
      'one item added upstream',
      ms(againWork.durationMs ?? 0),
      (againWork.items?.total ?? 0) - (againWork.items?.cached ?? 0),
      againWork.items?.cached ?? 0,
      `${(((againWork.durationMs ?? 0) / coldMs) * 100).toFixed(1)}%`,
    ],
  ],
)}

Machine: ${machine()}. Command: \`npx tsx bench/perf/cpu-map.ts --items ${ITEMS} --rounds ${ROUNDS} --cache-rounds ${CACHE_ROUNDS} --pairs ${PAIRS}\`.
`;
console.log(report);
