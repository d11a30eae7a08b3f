// Map stages at scale: N small files through an item-cached map stage (and
// a task summing its records), its function reading each file itself (and,
// cold, the same stage reading it with ctx.read: the bytes the run's hash
// pass read), beside a plain Node loop doing the same work,
// `git status` of the same tree and the lstat floor (FLOOR); then N records
// from a task through an item-cached map stage. Prints one markdown table
// of medians.
//
//   node --import tsx bench/scale/run.ts [--files 10000,100000] [--records 1000000] [--repeat 3]
//
// Every runner command runs as a user would run it in CI (CI=true: no
// daemon), under GNU time for its peak RSS. Within a round the plain loop,
// git status and runner alternate, so they see the same machine load; a
// round of the file workload times two no-ops and two edits (another file
// each), so the medians are over twice as many of those. The file workload
// also times two no-ops answered by the daemon, as on a laptop (outside CI,
// `exec` starts one after a no-op): started with RUNNER_DAEMON=1, left to
// warm up (its rehearsals of the no-op that started it), one run answered
// first, stopped before the edits; and, by a daemon started the same way,
// two no-ops each right after a file was edited and run (a run the daemon
// hands back: the command runs it in a process of its own, which asks the
// daemon what its watchers vouch for and rewrites the stat cache the daemon
// then reads again), the edit's run timed too ("one item edited, daemon up");
// then the same two edits by a daemon started for the same stages saying
// `warm: true` (pipeline filesWarm), which runs each edit's run itself ("one
// item edited, warm stages"; where the environment sets NODE_EXTRA_CA_CERTS,
// two more edits a round timed without it). Then a new file is added in the middle directory of the tree (its run
// timed: "one file added"), and removed again before the next round.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readRunRecord } from '../../src/report/run-record.js';
import { BIN, commandLineOptions, daemonTimes, machine, table, tempWorkspace, write } from '../lib.js';

const args = commandLineOptions();
const fileSizes = (args.get('files') ?? '10000,100000').split(',').filter(Boolean).map(Number);
const recordSizes = (args.get('records') ?? '1000000').split(',').filter(Boolean).map(Number);
const repeat = Number(args.get('repeat') ?? 3);
const PER_DIR = 1000;

const WORK = `import { readFileSync } from 'node:fs';
export function stringHash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}
export function count(item, ctx) {
  const text = readFileSync(ctx.workspace.resolve(item.path), 'utf8');
  return { path: item.path, lines: text.split('\\n').length, h: stringHash(text) };
}
export function countRead(item, ctx) {
  const text = ctx.read(item, 'utf8');
  return { path: item.path, lines: text.split('\\n').length, h: stringHash(text) };
}
export async function sum(ctx) {
  let lines = 0;
  let n = 0;
  for await (const record of ctx.upstream('count')) {
    lines += record.lines;
    n++;
  }
  return [{ lines, n }];
}
export function* gen(ctx) {
  const { n, mutate } = ctx.params;
  for (let i = 0; i < n; i++) yield { id: 'r' + i, text: 'lorem ipsum dolor sit amet ' + (i === mutate ? 'edited' : 'record'), v: i };
}
export function touch(record) {
  return { id: record.id, len: record.text.length };
}
`;

const PLAIN = `import { readdirSync, readFileSync } from 'node:fs';
import { count } from './work.mjs';
const ctx = { workspace: { resolve: (p) => p } };
let lines = 0;
let n = 0;
for (const dir of readdirSync('data').sort()) {
  for (const name of readdirSync('data/' + dir).sort()) {
    lines += count({ path: 'data/' + dir + '/' + name }, ctx).lines;
    n++;
  }
}
process.stdout.write(JSON.stringify({ lines, n }));
`;

// The least a Node program spends to notice an edit without a watcher: an
// lstat of each file of the list (read from a file, so no directory is
// listed; paths relative to the working directory), on one thread (`node
// floor.cjs 1`) or two (`2`, as runner's stat pass from 8,192 files); the
// faster is the floor. Each lstat goes to Node's fs binding as runner's stat
// pass does (src/cache/raw-lstat.ts), without a Stats object, where this
// Node's lstatSync calls it that way. Node's startup included, as in every
// other column.
const FLOOR = `const fs = require('node:fs');
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const files = fs.readFileSync('floor-list.txt', 'latin1').split('\\n');
const raw = /options\\.throwIfNoEntry,?\\s*\\)/.test(String(fs.lstatSync)) ? process.binding('fs') : undefined;
const lstat = raw ? (file) => raw.lstat(file, false, undefined, false) : (file) => fs.lstatSync(file, { throwIfNoEntry: false });
const stat = (from, to) => { for (let i = from; i < to; i++) lstat(files[i]); };
if (!isMainThread) {
  stat(workerData, files.length);
  parentPort.postMessage(1);
} else if (process.argv[2] === '2') {
  const half = files.length >> 1;
  const worker = new Worker(__filename, { workerData: half });
  stat(0, half);
  worker.on('message', () => process.exit(0));
} else {
  stat(0, files.length);
}
`;

/** The file workload's pipeline, its map stage running `count` (work.mjs); `warm`: its stages say `warm: true`. */
const filesPipeline = (count: string, warm = false) => `    stages:
      count:
        run: work.mjs#${count}
        foreach: { files: ["data/**/*.txt"] }
        batchSize: 500
        isolate: inline
        cache: { scope: item }${warm ? '\n        warm: true' : ''}
      sum:
        run: work.mjs#sum
        needs: [count]${warm ? '\n        warm: true' : ''}`;

const YAML = (n: number) => `version: 1
pipelines:
  files:
${filesPipeline('count')}
  filesRead:
${filesPipeline('countRead')}
  filesWarm:
${filesPipeline('count', true)}
  records:
    params: { n: ${n}, mutate: -1 }
    stages:
      gen:
        run: work.mjs#gen
        params: [n, mutate]
      touch:
        run: work.mjs#touch
        foreach: gen
        batchSize: 1000
        isolate: inline
        cache: { scope: item }
`;

interface Timed {
  ms: number;
  rssMiB: number;
}

/** Runs a command under GNU time (`env` added to `base`): wall time and peak RSS of the largest process. */
function timed(
  dir: string,
  command: string[],
  env: Record<string, string> = {},
  base: NodeJS.ProcessEnv = process.env,
): Timed {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', ...command], {
    cwd: dir,
    env: { ...base, CI: 'true', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`${command.join(' ')} exited ${result.status}:\n${result.stderr.slice(-3000)}`);
  const rssKiB = Number(result.stderr.trim().split('\n').at(-1));
  return { ms, rssMiB: rssKiB / 1024 };
}

const runner = (dir: string, ...rest: string[]): Timed => timed(dir, [process.execPath, BIN, 'exec', ...rest]);

/** How long stage `name` took in the workspace's last run (its run record). */
function stageMs(dir: string, name: string): number {
  const record = readRunRecord(path.join(dir, '.runner', 'runs'));
  return record?.stages.find((s) => s.stage === name)?.durationMs ?? Number.NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function duSize(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) total += fs.statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

function fileText(i: number, version = 0): string {
  let text = `file ${i} version ${version}\n`;
  while (text.length < 100) text += `line ${(i * 7919) % 104729}\n`;
  return text;
}

// This machine's environment may set NODE_EXTRA_CA_CERTS, which Node 20
// reads and parses at every start (40-60 ms here). Where it is set, the
// warm stages' edits are also timed without it, as on a machine that does
// not set it.
const { NODE_EXTRA_CA_CERTS: certs, ...withoutCerts } = process.env;

const s = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`);
const rows: (string | number)[][] = [];
const notes: string[] = [];

for (const n of fileSizes) {
  const dir = tempWorkspace(`scale-${n}`);
  write(dir, 'work.mjs', WORK);
  write(dir, 'plain.mjs', PLAIN);
  write(dir, 'floor.cjs', FLOOR);
  write(dir, 'pipelines.yaml', YAML(0));
  write(dir, '.gitignore', '.runner/\n');
  for (let d = 0; d * PER_DIR < n; d++) {
    const sub = path.join(dir, 'data', `d${String(d).padStart(4, '0')}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let i = d * PER_DIR; i < Math.min(n, (d + 1) * PER_DIR); i++)
      fs.writeFileSync(path.join(sub, `f${String(i).padStart(7, '0')}.txt`), fileText(i));
  }
  const listed: string[] = [];
  for (const sub of fs.readdirSync(path.join(dir, 'data')).sort())
    for (const name of fs.readdirSync(path.join(dir, 'data', sub)).sort()) listed.push(`data/${sub}/${name}`);
  write(dir, 'floor-list.txt', listed.join('\n'));
  // No automatic gc: committing 100,000 loose objects starts `git gc --auto`
  // in the background, which took a core for half a minute of the first
  // rounds' timings.
  spawnSync(
    'sh',
    [
      '-c',
      'git init -q && git config gc.auto 0 && git config maintenance.auto false && git add -A && git -c user.name=b -c user.email=b@b commit -qm data',
    ],
    { cwd: dir },
  );
  /** File `i` of the tree (i < n). */
  const fileAt = (i: number): string =>
    path.join(
      dir,
      'data',
      `d${String(Math.floor(i / PER_DIR)).padStart(4, '0')}`,
      `f${String(i).padStart(7, '0')}.txt`,
    );
  const m = {
    plain: [] as number[],
    git: [] as number[],
    floor1: [] as number[],
    floor2: [] as number[],
    cold: [] as number[],
    coldRead: [] as number[],
    coldReadRss: [] as number[],
    noop: [] as number[],
    daemon: [] as number[],
    daemonAfter: [] as number[],
    oneDaemon: [] as number[],
    oneWarm: [] as number[],
    oneWarmNoCerts: [] as number[],
    one: [] as number[],
    oneStage: [] as number[],
    added: [] as number[],
    rss: [] as number[],
    oneRss: [] as number[],
  };
  let version = 0;
  for (let round = 0; round < repeat; round++) {
    m.plain.push(timed(dir, [process.execPath, 'plain.mjs']).ms);
    m.git.push(timed(dir, ['git', 'status', '--porcelain']).ms);
    m.floor1.push(timed(dir, [process.execPath, 'floor.cjs', '1']).ms);
    m.floor2.push(timed(dir, [process.execPath, 'floor.cjs', '2']).ms);
    // The same stage reading its files with ctx.read (the bytes its hash pass read), cold, beside it.
    fs.rmSync(path.join(dir, '.runner'), { recursive: true, force: true });
    const coldRead = runner(dir, 'filesRead');
    m.coldRead.push(coldRead.ms);
    m.coldReadRss.push(coldRead.rssMiB);
    fs.rmSync(path.join(dir, '.runner'), { recursive: true, force: true });
    const cold = runner(dir, 'files');
    m.cold.push(cold.ms);
    m.rss.push(cold.rssMiB);
    // Two no-ops and two edits a round: one run straight after a cold run swings by a third on a VM.
    for (let k = 0; k < 2; k++) m.noop.push(runner(dir, 'files').ms);
    /** Wall time of `runner exec <pipeline>` run as typed in the workspace (with RUNNER_DAEMON=1, asking its daemon). */
    const execMs = (pipeline: string, env: Record<string, string>, base = process.env): number =>
      timed(dir, [process.execPath, BIN, 'exec', pipeline], env, base).ms;
    const daemonRun = (env: Record<string, string>): number => execMs('files', env);
    m.daemon.push(...daemonTimes(dir, ['exec', 'files'], 2, daemonRun));
    // The second directory's files, edited by turns, apart from the edits below (the first directory's).
    m.daemonAfter.push(
      ...daemonTimes(dir, ['exec', 'files'], 2, daemonRun, (env) => {
        fs.writeFileSync(fileAt(PER_DIR + (version % PER_DIR)), fileText(round, ++version));
        m.oneDaemon.push(daemonRun(env));
      }),
    );
    // The same stages with `warm: true` (the same keys): the daemon runs an edit's run itself.
    const warmRun = (env: Record<string, string>, base = process.env): number => execMs('filesWarm', env, base);
    daemonTimes(dir, ['exec', 'filesWarm'], certs === undefined ? 2 : 4, warmRun, (env) => {
      fs.writeFileSync(fileAt(PER_DIR + (version % PER_DIR)), fileText(round, ++version));
      const isWithout = certs !== undefined && m.oneWarm.length > m.oneWarmNoCerts.length;
      if (isWithout) m.oneWarmNoCerts.push(warmRun(env, withoutCerts));
      else m.oneWarm.push(warmRun(env));
    });
    for (let k = 0; k < 2; k++) {
      fs.writeFileSync(fileAt((2 * round + k) % PER_DIR), fileText(round, ++version));
      const one = runner(dir, 'files');
      m.one.push(one.ms);
      m.oneStage.push(stageMs(dir, 'count'));
      m.oneRss.push(one.rssMiB);
    }
    // A new file in a directory in the middle of the tree, with content no run has seen; gone again after.
    const middle = `d${String(Math.floor(n / PER_DIR / 2)).padStart(4, '0')}`;
    const added = path.join(dir, 'data', middle, `added-${round}.txt`);
    fs.writeFileSync(added, fileText(round, ++version));
    m.added.push(runner(dir, 'files').ms);
    fs.rmSync(added);
  }
  const size = duSize(path.join(dir, '.runner'));
  const plain = median(m.plain);
  const floor = Math.min(median(m.floor1), median(m.floor2));
  rows.push([
    `${n.toLocaleString('en')} files`,
    s(plain),
    s(median(m.git)),
    `${s(floor)} (${median(m.floor1) <= median(m.floor2) ? 'one thread' : 'two'})`,
    `${s(median(m.cold))} (${(median(m.cold) / plain).toFixed(2)}x)`,
    `${s(median(m.coldRead))} (${(median(m.coldRead) / plain).toFixed(2)}x, ${median(m.coldReadRss).toFixed(0)} MiB)`,
    `${s(median(m.noop))} (${(median(m.noop) / median(m.git)).toFixed(2)}x git, ${(median(m.noop) / floor).toFixed(2)}x floor)`,
    `${s(median(m.daemon))} (${(median(m.daemon) / median(m.git)).toFixed(2)}x git)`,
    s(median(m.daemonAfter)),
    `${s(median(m.one))} (${(median(m.one) / plain).toFixed(2)}x)`,
    `${s(median(m.oneDaemon))} (${(median(m.oneDaemon) / plain).toFixed(2)}x)`,
    `${s(median(m.oneWarm))} (${(median(m.oneWarm) / plain).toFixed(2)}x${
      m.oneWarmNoCerts.length > 0 ? `; ${s(median(m.oneWarmNoCerts))} without NODE_EXTRA_CA_CERTS` : ''
    })`,
    s(median(m.oneStage)),
    `${s(median(m.added))} (${(median(m.added) / plain).toFixed(2)}x)`,
    `${median(m.rss).toFixed(0)} / ${median(m.oneRss).toFixed(0)} MiB`,
    `${(size / 1024 / 1024).toFixed(1)} MiB`,
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
}

for (const n of recordSizes) {
  const dir = tempWorkspace(`scale-records-${n}`);
  write(dir, 'work.mjs', WORK);
  write(dir, 'pipelines.yaml', YAML(n));
  const m = {
    cold: [] as number[],
    rss: [] as number[],
    one: [] as number[],
    oneStage: [] as number[],
    oneRss: [] as number[],
    noop: [] as number[],
  };
  for (let round = 0; round < repeat; round++) {
    fs.rmSync(path.join(dir, '.runner'), { recursive: true, force: true });
    const cold = runner(dir, 'records');
    m.cold.push(cold.ms);
    m.rss.push(cold.rssMiB);
    m.noop.push(runner(dir, 'records').ms);
    const one = runner(dir, 'records', '--param', `mutate=${round * 7 + 1}`);
    m.one.push(one.ms);
    m.oneStage.push(stageMs(dir, 'touch'));
    m.oneRss.push(one.rssMiB);
  }
  const size = duSize(path.join(dir, '.runner'));
  rows.push([
    `${n.toLocaleString('en')} records`,
    '-',
    '-',
    '-',
    s(median(m.cold)),
    '-',
    s(median(m.noop)),
    '-',
    '-',
    `${s(median(m.one))} (one record)`,
    '-',
    '-',
    s(median(m.oneStage)),
    '-',
    `${median(m.rss).toFixed(0)} / ${median(m.oneRss).toFixed(0)} MiB`,
    `${(size / 1024 / 1024).toFixed(1)} MiB`,
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(
  table(
    [
      'workload',
      'plain loop',
      'git status',
      'lstat floor',
      'runner cold',
      'cold, ctx.read',
      'runner no-op',
      'no-op, daemon',
      "daemon, after an edit's run",
      'one item edited',
      'one item edited, daemon up',
      'one item edited, warm stages',
      'its map stage',
      'one file added',
      'peak RSS cold / one edit',
      '.runner size',
    ],
    rows,
  ),
);
console.log(
  `\nMedians of ${repeat} rounds. ${machine()}. Command: \`node --import tsx bench/scale/run.ts --files ${fileSizes.join(',')} --records ${recordSizes.join(',')} --repeat ${repeat}\`.`,
);
for (const note of notes) console.log(note);
