// Map stages on remote workers (--workers): the CPU-bound map stage of
// bench/perf/cpu-map.ts run here (isolate: worker, the local pool) and on
// 1, 2 and 4 `runner worker` processes of this machine, through a real
// redis-server. Prints one markdown table of medians.
//
//   node --import tsx bench/scale-out/run.ts [--items 20000] [--rounds 150] [--batch 200]
//                                            [--workers 1,2,4] [--repeat 3]
//
// The queue's overhead per batch is measured, not inferred: each batch's
// round trip (from the run queueing it to having its results, the run's
// clock) minus its compute time (the worker's clock), averaged over the
// batches. The stage's `concurrency` is set to the workers' slots (workers
// x cores), so a batch is queued only when a slot is free and the round
// trip holds no waiting for one. Every worker sits on this machine's cores:
// expect overhead, not speed-up; docs/scale-out.md has the model for many
// machines.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { StageBatchEvent } from '../../src/engine/events.js';
import { startRedis } from '../../test/cache/redis-server.js';
import { BIN, commandLineOptions, machine, ms, runCli, setKnob, stage, table, tempWorkspace, write } from '../lib.js';
import type { CliRun } from '../lib.js';
import { cpuPipeline, cpuWorkModule } from '../perf/cpu-work.js';

const args = commandLineOptions();
const ITEMS = Number(args.get('items') ?? 20000);
const ROUNDS = Number(args.get('rounds') ?? 150);
const BATCH = Number(args.get('batch') ?? 200);
const WORKERS = (args.get('workers') ?? '1,2,4').split(',').filter(Boolean).map(Number);
const REPEAT = Number(args.get('repeat') ?? 3);
const CORES = os.availableParallelism();

interface Measured {
  stageMs: number;
  wallMs: number;
  batches: number;
  computeMs: number;
  overheadMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

function measure(run: CliRun): Measured {
  const batches = run.record.events.filter(
    (e): e is StageBatchEvent => e.event === 'stage:batch' && e.stage === 'work',
  );
  return {
    stageMs: stage(run.record, 'work').durationMs ?? 0,
    wallMs: run.wallMs,
    batches: batches.length,
    computeMs: mean(batches.map((b) => b.computeMs)),
    overheadMs: mean(batches.map((b) => b.roundTripMs - b.computeMs)),
  };
}

/** Of runs, the one whose stage time is the median. */
function medianRun(runs: Measured[]): Measured {
  const middle = median(runs.map((r) => r.stageMs));
  return runs.find((r) => r.stageMs === middle) ?? (runs[0] as Measured);
}

/** `count` runner workers on `dir`, each taking batches once it has said so. */
async function startWorkers(dir: string, url: string, count: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '-C', dir, '--quiet'], {
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      return new Promise<ChildProcess>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('computing map batches')) resolve(child);
        });
        child.once('exit', (code) => reject(new Error(`runner worker exited ${code} before it started`)));
      });
    }),
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

const redis = await startRedis();
const dir = tempWorkspace('scale-out');
write(dir, 'work.mjs', cpuWorkModule(ROUNDS));
write(dir, 'pipelines.yaml', cpuPipeline({ items: ITEMS, isolate: 'worker', batchSize: BATCH, scope: 'stage' }));
console.error(`workspace ${dir}, ${redis.url}`);
// One queue per variant, every worker started up front, and each round runs
// every variant once: all variants see the same machine load.
const variants = [
  {
    name: "local: isolate worker (the run's own pool)",
    slots: `${CORES} threads`,
    concurrency: 4,
    extra: [] as string[],
  },
  ...WORKERS.map((count) => ({
    name: `--workers: ${count} runner worker${count === 1 ? '' : 's'}`,
    slots: `${count} x ${CORES}`,
    concurrency: count * CORES,
    extra: ['--workers', `${redis.url}?queue=w${count}`],
  })),
];
const runs = variants.map((): Measured[] => []);
const workers: ChildProcess[] = [];
try {
  for (const count of WORKERS) workers.push(...(await startWorkers(dir, `${redis.url}?queue=w${count}`, count)));
  await runCli(dir, ['exec', 'cpu']); // gen's dataset, once
  for (let round = 0; round < REPEAT; round++) {
    for (const [i, variant] of variants.entries()) {
      setKnob(dir, 'work', 'concurrency', String(variant.concurrency));
      const measured = measure(await runCli(dir, ['exec', 'cpu', '--force=work', ...variant.extra]));
      if (i > 0 && measured.batches !== Math.ceil(ITEMS / BATCH)) throw new Error(`${measured.batches} remote batches`);
      runs[i]?.push(measured);
    }
  }
} finally {
  await stopWorkers(workers);
  await redis.stop();
}
const local = medianRun(runs[0] ?? []);
const rows = variants.map((variant, i) => {
  const m = medianRun(runs[i] ?? []);
  return [
    variant.name,
    variant.slots,
    ms(m.stageMs),
    ms(m.wallMs),
    Math.round(ITEMS / (m.stageMs / 1000)),
    `${(m.stageMs / local.stageMs).toFixed(2)}x`,
    i === 0 ? '-' : `${m.overheadMs.toFixed(1)} ms (compute ${Math.round(m.computeMs)} ms)`,
  ];
});

const headers = ['variant', 'slots', 'work stage', 'command wall', 'items/s', 'vs local'];
const command = [
  'node --import tsx bench/scale-out/run.ts',
  `--items ${ITEMS} --rounds ${ROUNDS} --batch ${BATCH} --workers ${WORKERS.join(',')} --repeat ${REPEAT}`,
].join(' ');
console.log(
  [
    `## Map stage on remote workers (${ITEMS} items x ${ROUNDS} sha256 rounds, batchSize ${BATCH})`,
    '',
    table([...headers, 'queue overhead per batch (mean)'], rows),
    '',
    `Median of ${REPEAT} runs each. Queue overhead per batch: round trip (queued here to results here) ` +
      `minus compute on the worker, averaged over the ${Math.ceil(ITEMS / BATCH)} batches; ` +
      `\`concurrency\` = slots. Every worker shares this machine's ${CORES} cores with the run and each other.`,
    '',
    `Machine: ${machine()}. Command: \`${command}\`.`,
    '',
  ].join('\n'),
);
