// How well simtask's two parallel stages can scale on this machine, with no
// runner in the way: the same work (parse every file with extract.ts, then
// embed every function with the local embedder) done by 1 worker thread,
// then split round-robin over 2 worker threads started at the same moment.
// Each worker loads its modules (TypeScript included) itself, as the
// runner's pool does. The speed-up it prints bounds what `isolate: worker`
// can give simtask's cold run here.
//   node --import tsx bench/simtask/scaling.ts [--files 2000] [--per-file 10] [--repeat 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { commandLineOptions, REPO } from '../lib.js';
import { generateCodebase } from './generate.js';

const args = commandLineOptions();
const files = Number(args.get('files') ?? 2000);
const perFile = Number(args.get('per-file') ?? 10);
const repeat = Number(args.get('repeat') ?? 3);

// The worker: loads the stage code through tsx like the runner's workers, then
// times parse and embed separately (ms since its own start), and its CPU time.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
(async () => {
  const start = performance.now();
  const { register } = await import('tsx/esm/api');
  register();
  const { extractFunctions } = await import(workerData.repo + '/runners/simtask/extract.ts');
  const { embedCode } = await import(workerData.repo + '/runners/lib/embedding.ts');
  const { encodeSketch, encodeVector } = await import(workerData.repo + '/runners/lib/vector-codec.ts');
  const loaded = performance.now();
  const records = [];
  for (const file of workerData.files) records.push(...extractFunctions(file, fs.readFileSync(workerData.root + '/' + file, 'utf8')));
  const parsed = performance.now();
  for (const record of records) {
    const { vector, sketch } = embedCode(record.normalized);
    encodeVector(vector);
    encodeSketch(sketch);
  }
  parentPort.postMessage({ load: loaded - start, parse: parsed - loaded, embed: performance.now() - parsed, functions: records.length });
})();
`;

interface WorkerTimes {
  load: number;
  parse: number;
  embed: number;
  functions: number;
}

interface Run {
  wall: number;
  /** CPU time of the whole process (every thread) while the workers ran. */
  cpuMs: number;
  workers: WorkerTimes[];
}

function runWorkers(root: string, parts: string[][]): Promise<Run> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  return Promise.all(
    parts.map(
      (part) =>
        new Promise<WorkerTimes>((resolve, reject) => {
          const worker = new Worker(WORKER, { eval: true, workerData: { repo: REPO, root, files: part } });
          worker.once('message', (times: WorkerTimes) => {
            resolve(times);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  ).then((workers) => {
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - start, cpuMs: (used.user + used.system) / 1000, workers };
  });
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-scaling-'));
const generated = generateCodebase({ files, functionsPerFile: perFile, seed: 1 });
for (const file of generated.files) {
  fs.mkdirSync(path.join(root, path.dirname(file.path)), { recursive: true });
  fs.writeFileSync(path.join(root, file.path), file.text);
}
const all = generated.files.map((file) => file.path).sort();
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const rows: { one: Run; two: Run }[] = [];
for (let round = 1; round <= repeat; round++) {
  const one = await runWorkers(root, [all]);
  const two = await runWorkers(root, [all.filter((_, i) => i % 2 === 0), all.filter((_, i) => i % 2 === 1)]);
  rows.push({ one, two });
  process.stderr.write(`round ${round}: 1 worker ${Math.round(one.wall)} ms, 2 workers ${Math.round(two.wall)} ms\n`);
}
fs.rmSync(root, { recursive: true, force: true });

// Per phase, the slowest worker decides the wall time of a parallel phase.
const phase = (run: { workers: WorkerTimes[] }, name: 'load' | 'parse' | 'embed'): number =>
  Math.max(...run.workers.map((w) => w[name]));
const lines = [
  `| phase | 1 worker | 2 workers | speed-up |`,
  `|---|---:|---:|---:|`,
  ...(['load', 'parse', 'embed'] as const).map((name) => {
    const one = median(rows.map((r) => phase(r.one, name)));
    const two = median(rows.map((r) => phase(r.two, name)));
    return `| ${name} | ${Math.round(one)} ms | ${Math.round(two)} ms | ${(one / two).toFixed(2)}x |`;
  }),
  (() => {
    const one = median(rows.map((r) => r.one.wall));
    const two = median(rows.map((r) => r.two.wall));
    return `| **all** (wall, worker start to last answer) | ${Math.round(one)} ms | ${Math.round(two)} ms | ${(one / two).toFixed(2)}x |`;
  })(),
  `| CPU time (user + system, every thread) | ${(median(rows.map((r) => r.one.cpuMs)) / 1000).toFixed(1)} s | ${(median(rows.map((r) => r.two.cpuMs)) / 1000).toFixed(1)} s | |`,
];
process.stdout.write(
  `${files} files, ${rows[0]?.one.workers[0]?.functions ?? 0} functions, ${os.availableParallelism()} CPUs, Node ${process.version}, medians of ${repeat}.\n` +
    `Command: \`node --import tsx bench/simtask/scaling.ts --files ${files} --per-file ${perFile} --repeat ${repeat}\`\n\n${lines.join('\n')}\n`,
);
