// simtask benchmark: a generated codebase (default 2,000 files x 10
// functions = 20k functions) run through `runner exec simtask` cold, as a
// no-op rerun (also answered by a daemon, as outside CI) and after editing
// one function in one file (also with a daemon up, which runs simtask's
// `warm` stages itself), side by side with
// the sequential single-threaded baseline (baseline.ts: the same stage
// functions in one loop, in-process). Prints a markdown table and writes it
// to bench/simtask/RESULTS.md.
//   node --import tsx bench/simtask/run.ts [--files 2000] [--per-file 10] [--repeat 3] [--out bench/simtask/RESULTS.md]
// Wall times are medians over --repeat rounds; runner and baseline
// alternate within a round so both see the same machine load.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { readRunRecord } from '../../src/report/run-record.js';
import type { RunRecord } from '../../src/report/run-record.js';
import { commandLineOptions, daemonTimes, REPO, timedCli } from '../lib.js';
import { generateCodebase } from './generate.js';
import { renderResults } from './report.js';
import type { Round } from './report.js';

const args = commandLineOptions();
const files = Number(args.get('files') ?? 2000);
const perFile = Number(args.get('per-file') ?? 10);
const repeat = Number(args.get('repeat') ?? 3);
const out = path.resolve(REPO, args.get('out') ?? 'bench/simtask/RESULTS.md');

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-bench-'));
const { files: generated, families } = generateCodebase({ files, functionsPerFile: perFile, seed: 1 });
for (const file of generated) {
  fs.mkdirSync(path.join(ws, path.dirname(file.path)), { recursive: true });
  fs.writeFileSync(path.join(ws, file.path), file.text);
}
for (const link of ['runners', 'schemas', 'node_modules'])
  fs.symlinkSync(path.join(REPO, link), path.join(ws, link), 'dir');
const config = parse(fs.readFileSync(path.join(REPO, 'pipelines.yaml'), 'utf8')) as {
  defaults?: unknown;
  pipelines: Record<string, unknown>;
};
fs.writeFileSync(
  path.join(ws, 'pipelines.yaml'),
  stringify({ version: 1, defaults: config.defaults, pipelines: { simtask: config.pipelines.simtask } }),
);
// The edit: a parameter renamed in one function of a planted family (so its
// vector, its cluster's similarity and that cluster's task change), in the
// middle of one file.
const target = families.find((family) => family.length >= 2)?.[1] ?? '';
const edited = generated.find((file) => file.text.includes(`function ${target}(`))?.path ?? '';
const original = fs.readFileSync(path.join(ws, edited), 'utf8');
function editOneFunction(text: string, edit: number): string {
  const start = text.indexOf(`function ${target}(`);
  const end = text.indexOf('\n}\n', start) + 3;
  const parameter = /\((\w+)/.exec(text.slice(start))?.[1] ?? '';
  const body = text.slice(start, end).replace(new RegExp(`\\b${parameter}\\b`, 'g'), `${parameter}Renamed${edit}`);
  return text.slice(0, start) + body + text.slice(end);
}
/** One-function edits a round: each renames the parameter anew, so each is an edit of the last. */
const EDITS = 3;

/** CPU seconds (user + system) of the children this process has waited for; Linux only (cutime + cstime of /proc/self/stat). */
function childCpu(): number {
  try {
    const fields = fs
      .readFileSync('/proc/self/stat', 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

// This machine's environment may set NODE_EXTRA_CA_CERTS, which Node 20
// reads and parses (with its own root certificates) at every start, before
// any script: 40-60 ms here. Where it is set, the no-op rows are also timed
// without it, as on a machine that does not set it, beside the bare start.
const certs = process.env.NODE_EXTRA_CA_CERTS;
const envWithoutCerts = (): NodeJS.ProcessEnv => {
  const { NODE_EXTRA_CA_CERTS: _certs, ...rest } = process.env;
  return rest;
};

/** Wall times (ms) of `count` bare Node starts (`node -e 0`) in `env`. */
function bareStarts(count: number, env: NodeJS.ProcessEnv): number[] {
  return Array.from({ length: count }, () => {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env });
    return performance.now() - start;
  });
}

function runner(env: NodeJS.ProcessEnv = process.env): { ms: number; cpu: number; record: RunRecord } {
  const start = performance.now();
  const cpuBefore = childCpu();
  const result = spawnSync(process.execPath, [path.join(REPO, 'bin', 'runner.cjs'), '-C', ws, 'exec', 'simtask'], {
    encoding: 'utf8',
    env: { ...env, CI: 'true' },
  });
  const ms = performance.now() - start;
  const cpu = childCpu() - cpuBefore;
  if (result.status !== 0) throw new Error(`runner failed (${result.status}):\n${result.stderr}`);
  const record = readRunRecord(path.join(ws, '.runner', 'runs'));
  if (!record) throw new Error(`no run record in ${ws}`);
  return { ms, cpu, record };
}

// A round's leftovers (.runner, the task files) are moved aside, and deleted
// only when the benchmark is done: ext4 skips the inodes of files deleted in
// the last minutes when it allocates new ones, so whichever run came right
// after deleting thousands of files paid for it (simtask's write stage, which
// creates 1,491 files, took 0.6-1.0 s after the deletion against 0.2 s without).
const graveyard = fs.mkdtempSync(path.join(os.tmpdir(), 'simtask-bench-gone-'));
let moved = 0;
function moveAside(file: string): void {
  if (fs.existsSync(file)) fs.renameSync(file, path.join(graveyard, String(moved++)));
}

function baseline(): Round['baseline'] {
  moveAside(path.join(ws, 'tasks', 'baseline'));
  const start = performance.now();
  const cpuBefore = childCpu();
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'bench', 'simtask', 'baseline.ts'), ws, 'tasks/baseline'],
    { encoding: 'utf8', cwd: REPO },
  );
  const ms = performance.now() - start;
  const cpu = childCpu() - cpuBefore;
  if (result.status !== 0) throw new Error(`baseline failed (${result.status}):\n${result.stderr}`);
  const line = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as {
    ms: number;
    stages: Record<string, number>;
    peakRssBytes: number;
    functions: number;
    clusters: number;
  };
  return { ...line, inProcessMs: line.ms, ms, cpu };
}

const rounds: Round[] = [];
for (let round = 1; round <= repeat; round++) {
  moveAside(path.join(ws, '.runner'));
  moveAside(path.join(ws, 'tasks'));
  fs.writeFileSync(path.join(ws, edited), original);
  const cold = runner();
  const base = baseline();
  const noop = runner();
  const noopWithout = certs === undefined ? undefined : runner(envWithoutCerts()).ms;
  // The daemon's no-ops, with and without the certificates in turn when they are set (its start and first answer not counted).
  const daemonNoop: number[] = [];
  const daemonNoopWithout: number[] = [];
  let call = 0;
  daemonTimes(ws, ['exec', 'simtask'], certs === undefined ? 3 : 6, (env) => {
    const n = call++;
    const isWithout = certs !== undefined && n >= 2 && n % 2 === 1;
    // Typed in the workspace (timedCli's cwd): a command with -C is never offered to the daemon.
    const ms = timedCli(ws, ['exec', 'simtask'], env, isWithout ? envWithoutCerts() : process.env);
    if (n >= 2) (isWithout ? daemonNoopWithout : daemonNoop).push(ms);
    return ms;
  });
  const bare = bareStarts(3, process.env);
  const withoutCerts =
    certs === undefined
      ? undefined
      : { noop: noopWithout ?? 0, daemonNoop: daemonNoopWithout, bare: bareStarts(3, envWithoutCerts()) };
  const changes = Array.from({ length: EDITS }, (_, edit) => {
    fs.writeFileSync(path.join(ws, edited), editOneFunction(original, edit));
    return runner();
  });
  // The same edits again with a daemon up (started after a no-op, warmed up): simtask's stages are warm, so it runs them.
  const daemonChanges: number[] = [];
  daemonTimes(ws, ['exec', 'simtask'], EDITS, undefined, (env) => {
    fs.writeFileSync(path.join(ws, edited), editOneFunction(original, EDITS + daemonChanges.length));
    daemonChanges.push(timedCli(ws, ['exec', 'simtask'], env));
  });
  rounds.push({
    cold,
    noop,
    daemonNoop,
    changes,
    daemonChanges,
    baseline: base,
    bare,
    ...(withoutCerts ? { withoutCerts } : {}),
  });
  process.stderr.write(
    `round ${round}: cold ${Math.round(cold.ms)} ms, baseline ${Math.round(base.ms)} ms, no-op ${Math.round(noop.ms)} ms (daemon ${daemonNoop.map(Math.round).join(', ')} ms), one-file ${changes.map((c) => Math.round(c.ms)).join(', ')} ms (daemon up ${daemonChanges.map(Math.round).join(', ')} ms)\n`,
  );
}

const table = renderResults({
  rounds,
  files,
  perFile,
  load: os.loadavg()[0] ?? 0,
  families: families.length,
  cpus: os.availableParallelism(),
  node: process.version,
  command: `node --import tsx bench/simtask/run.ts --files ${files} --per-file ${perFile} --repeat ${repeat}`,
});
fs.writeFileSync(out, table);
process.stdout.write(table);
fs.rmSync(ws, { recursive: true, force: true });
fs.rmSync(graveyard, { recursive: true, force: true });
