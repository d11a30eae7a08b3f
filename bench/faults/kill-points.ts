// Kill a run at chosen points of its own progress, then finish it, and
// compare with a clean run. Unlike run.ts (stops by the clock, at scale),
// every stop here is placed by the run itself: after the N-th event of its
// --json stream (SIGKILL, SIGTERM or SIGINT), or, with SIGKILL only, just
// before its K-th filesystem write (fs-fault.cjs), so the same point can be
// hit again. Small workspaces, many points:
//
//   files-inline, files-worker, files-process: a map over 3,000 small files
//     (item cache, batchSize 50) and a task dumping its records;
//   records: a task yielding 100,000 records, an item-cached map over them,
//     a dump of both;
//   dag: shell stages with outputs (a diamond, and two writing their output a
//     line at a time, one logging as it goes, one silent);
//   edit-files, edit-dag: the killed run follows a finished one and an edit
//     (files changed, added and removed), compared with a clean run of the
//     edited workspace; restore-dag: the edit removes every output (restored
//     from the cache).
//   prune, clear: `runner cache prune --older-than 0s` / `cache clear`
//     killed at its K-th write after an edit's run, then a run to the end.
//
// Each trial copies the workspace, stops a run (twice in a row for some),
// then runs `exec P --json` to the end and checks: it exits 0 with no
// warning and no wait for a lock; every file outside .runner is the clean
// run's, byte for byte; a stage that ended `ran` before the stop does not
// run again; a following run is all cached; no process of the killed run
// is still at work in the workspace; no temp file is left in .runner or
// beside an output.
//
//   node --import tsx bench/faults/kill-points.ts [--only files-inline,dag] [--points 8] [--fs-points 8]
//
// Prints one markdown table; exits 1 when a trial fails its checks, keeping
// that trial's workspace. What it found and its last table: README.md here.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, commandLineOptions, machine, table } from '../lib.js';

const args = commandLineOptions();
const ONLY = args.get('only')?.split(',');
const POINTS = Number(args.get('points') ?? 8);
const FS_POINTS = Number(args.get('fs-points') ?? 8);
const HOOK = path.join(path.dirname(new URL(import.meta.url).pathname), 'fs-fault.cjs');
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-kill-points-'));

const WORK = `import fs from 'node:fs';
import crypto from 'node:crypto';
const h = (t) => crypto.createHash('sha256').update(t).digest('hex').slice(0, 16);
export function count(item, ctx) {
  const text = ctx.read(item, 'utf8');
  let x = 0;
  for (let i = 0; i < 20000; i++) x = (x * 31 + i) | 0;
  const hash = h(text);
  // A log line now and then: points to stop at inside the map.
  if (hash.startsWith('0')) ctx.log('item ' + item.path);
  return { id: item.path, lines: text.split('\\n').length, h: hash };
}
export function* gen(ctx) {
  for (let i = 0; i < ctx.params.n; i++) yield { id: 'r' + i, text: 'lorem ' + ((i * 7919) % 1000) };
}
export function touch(r, ctx) {
  if (r.id.endsWith('777')) ctx.log('record ' + r.id);
  return { id: r.id, h: h(r.text) };
}
/** Every record of each upstream in params.from, as a count and a hash, into out/<stage>.txt. */
export async function dump(ctx) {
  fs.mkdirSync(ctx.workspace.resolve('out'), { recursive: true });
  for (const from of ctx.params.from.split(',')) {
    const lines = [];
    for await (const r of ctx.upstream(from)) lines.push(JSON.stringify(r));
    fs.writeFileSync(ctx.workspace.resolve('out/' + ctx.stage + '-' + from + '.txt'), lines.length + ' ' + h(lines.join('\\n')) + '\\n');
  }
  return [{ from: ctx.params.from }];
}
`;

function filesPipeline(name: string, isolate: string): string {
  return `  ${name}:
    params: { from: count }
    stages:
      count: { run: work.mjs#count, foreach: { files: ["data/**/*.txt"] }, batchSize: 50, isolate: ${isolate}, cache: { scope: item } }
      dump: { run: work.mjs#dump, needs: [count], params: [from] }
`;
}

const YAML = `version: 1
pipelines:
${filesPipeline('files-inline', 'inline')}${filesPipeline('files-worker', 'worker')}${filesPipeline('files-process', 'process')}  records:
    params: { n: 100000, from: "gen,touch" }
    stages:
      gen: { run: work.mjs#gen, params: [n] }
      touch: { run: work.mjs#touch, foreach: gen, batchSize: 1000, cache: { scope: item } }
      dump: { run: work.mjs#dump, needs: [gen, touch], params: [from] }
  dag:
    stages:
      a: { shell: "mkdir -p out && cat in/*.txt | sort > out/a.txt", inputs: ["in/*.txt"], outputs: [out/a.txt] }
      b: { needs: [a], shell: "tr a-z A-Z < out/a.txt > out/b.txt", inputs: [out/a.txt], outputs: [out/b.txt] }
      c: { needs: [a], shell: "sh slow.sh out/a.txt out/c.txt", inputs: [out/a.txt, slow.sh], outputs: [out/c.txt] }
      q: { needs: [a], shell: "sh slow.sh out/a.txt out/q.txt quiet", inputs: [out/a.txt, slow.sh], outputs: [out/q.txt] }
      d: { needs: [b, c, q], shell: "cat out/b.txt out/c.txt out/q.txt | wc -l > out/d.txt && md5sum out/b.txt out/c.txt out/q.txt > out/e.txt", inputs: [out/b.txt, out/c.txt, out/q.txt], outputs: [out/d.txt, out/e.txt] }
`;

// Writes its output a line at a time, logging every tenth (unless told "quiet": a command that
// prints nothing does not die of SIGPIPE when its runner is killed): a stop lands while the output is half written.
const SLOW = `rm -f "$2"
n=0
while read -r line; do
  n=$((n + 1))
  echo "$n $line" >> "$2"
  case $n in *0) [ "$3" = quiet ] || echo "line $n" ;; esac
  i=0; while [ $i -lt 100 ]; do i=$((i + 1)); done
done < "$1"
`;

interface Workload {
  name: string;
  pipeline: string;
  /** The edit made after a finished run, before the run that is stopped. */
  edit?: (dir: string) => void;
  /** `cache prune` / `cache clear` is what is stopped, after a finished run and an edit's run. */
  maintenance?: string[];
}

function write(dir: string, relative: string, content: string): void {
  const file = path.join(dir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function buildWorkspace(dir: string): void {
  write(dir, 'pipelines.yaml', YAML);
  write(dir, 'work.mjs', WORK);
  write(dir, 'slow.sh', SLOW);
  for (let i = 0; i < 3000; i++) write(dir, `data/d${Math.floor(i / 300)}/f${i}.txt`, `file ${i} lorem ${i % 7}\n`);
  for (let i = 0; i < 20; i++) write(dir, `in/f${i}.txt`, `${'line '.repeat(i % 3)}${i}\n`.repeat(10));
}

function editFiles(dir: string): void {
  for (let i = 0; i < 3000; i += 97) write(dir, `data/d${Math.floor(i / 300)}/f${i}.txt`, `edited ${i}\n`);
  for (let i = 5; i < 3000; i += 311) fs.rmSync(path.join(dir, `data/d${Math.floor(i / 300)}/f${i}.txt`));
  for (let i = 0; i < 12; i++) write(dir, `data/d${i % 10}/new${i}.txt`, `new ${i}\n`);
}

function editDag(dir: string): void {
  write(dir, 'in/f3.txt', 'changed\n');
  write(dir, 'in/f21.txt', 'added\n');
  fs.rmSync(path.join(dir, 'in/f7.txt'));
}

const WORKLOADS: Workload[] = [
  { name: 'files-inline', pipeline: 'files-inline' },
  { name: 'files-worker', pipeline: 'files-worker' },
  { name: 'files-process', pipeline: 'files-process' },
  { name: 'records', pipeline: 'records' },
  { name: 'dag', pipeline: 'dag' },
  { name: 'edit-files', pipeline: 'files-inline', edit: editFiles },
  { name: 'edit-dag', pipeline: 'dag', edit: editDag },
  { name: 'restore-dag', pipeline: 'dag', edit: (dir) => fs.rmSync(path.join(dir, 'out'), { recursive: true }) },
  { name: 'prune', pipeline: 'files-inline', edit: editFiles, maintenance: ['cache', 'prune', '--older-than', '0s'] },
  { name: 'clear', pipeline: 'records', maintenance: ['cache', 'clear'] },
];

interface Stop {
  /** After this many events on stdout. */
  afterEvents?: number;
  /** Just before this many filesystem writes (SIGKILL). */
  atWrite?: number;
  signal: NodeJS.Signals;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: { event: string; stage?: string; outcome?: string; message?: string }[];
  stderr: string;
}

/** `runner ...argv` in `dir`, stopped as `stop` says. */
function runner(dir: string, argv: string[], stop?: Stop, env: Record<string, string> = {}): Promise<Ran> {
  const hookEnv: Record<string, string> =
    stop?.atWrite !== undefined
      ? { NODE_OPTIONS: `--require ${HOOK}`, RUNNER_FAULT_AT: String(stop.atWrite) }
      : env.RUNNER_FAULT_COUNT
        ? { NODE_OPTIONS: `--require ${HOOK}` }
        : {};
  const child: ChildProcess = spawn(process.execPath, [BIN, ...argv], {
    cwd: dir,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...hookEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let isSignalled = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stop?.afterEvents !== undefined && !isSignalled) {
      const events = stdout.split('\n').filter((line) => line.startsWith('{"event"')).length;
      if (events >= stop.afterEvents) {
        isSignalled = true;
        child.kill(stop.signal);
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{"event"'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line)];
          } catch {
            return [];
          }
        });
      resolve({ code, signal, events, stderr });
    }),
  );
}

/** sha256 of every file outside .runner, by path. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (child === '.runner') continue;
      if (entry.isDirectory()) walk(child);
      else
        out.set(
          child,
          createHash('sha256')
            .update(fs.readFileSync(path.join(dir, child)))
            .digest('hex'),
        );
    }
  };
  walk('');
  return out;
}

function differences(actual: Map<string, string>, expected: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, hash] of expected)
    if (actual.get(file) !== hash) out.push(actual.has(file) ? `~${file}` : `-${file}`);
  for (const file of actual.keys()) if (!expected.has(file)) out.push(`+${file}`);
  return out;
}

/** Temp files left in .runner (beside objects, memos, the state; a lock's own file). */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = path.join(relative, entry.name);
      if (/\.tmp$|^lock\.|^lock$/.test(entry.name) || /^\.runner\/(objects\/)?tmp\/./.test(child)) out.push(child);
      else if (entry.isDirectory()) walk(child);
    }
  };
  walk('.runner');
  return out;
}

/** Processes (not this one's) whose working directory is `dir`: a killed run's stages still at work. */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/cwd`) === dir) pids.push(Number(name));
    } catch {
      // gone, or not ours to see
    }
  }
  return pids;
}

function copyWorkspace(from: string, to: string, withState: boolean): void {
  fs.cpSync(from, to, { recursive: true, filter: (source) => withState || path.basename(source) !== '.runner' });
}

/** `count` points spread over 1..total. */
function spread(total: number, count: number): number[] {
  const points = new Set<number>();
  for (let i = 0; i < count; i++) points.add(Math.max(1, Math.round(1 + ((total - 1) * (i + 0.5)) / count)));
  return [...points];
}

const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGKILL', 'SIGINT'];
const rows: (string | number)[][] = [];
let failures = 0;
let trialNumber = 0;

for (const workload of WORKLOADS.filter((w) => !ONLY || ONLY.includes(w.name))) {
  const base = path.join(SCRATCH, `${workload.name}-base`);
  buildWorkspace(base);
  const exec = ['exec', workload.pipeline, '--json'];
  const isMaintenance = workload.maintenance !== undefined;
  if (workload.edit || isMaintenance) {
    const first = await runner(base, exec);
    if (first.code !== 0) throw new Error(`${workload.name}: the first run exited ${first.code}\n${first.stderr}`);
    workload.edit?.(base);
    if (isMaintenance) {
      const second = await runner(base, exec);
      if (second.code !== 0) throw new Error(`${workload.name}: the edit's run exited ${second.code}`);
    }
  }
  // The reference: the (edited) workspace run clean, from nothing.
  const clean = path.join(SCRATCH, `${workload.name}-clean`);
  copyWorkspace(base, clean, false);
  const cleanRun = await runner(clean, exec);
  if (cleanRun.code !== 0)
    throw new Error(`${workload.name}: the clean run exited ${cleanRun.code}\n${cleanRun.stderr}`);
  const expected = snapshot(clean);
  // What is stopped, run whole once: its events and writes to choose points from.
  const probe = path.join(SCRATCH, `${workload.name}-probe`);
  copyWorkspace(base, probe, true);
  const countFile = path.join(SCRATCH, `${workload.name}-writes`);
  const stopped = workload.maintenance ?? exec;
  const whole = await runner(probe, stopped, undefined, { RUNNER_FAULT_COUNT: countFile });
  const totalEvents = whole.events.length;
  const totalWrites = Number(fs.readFileSync(countFile, 'utf8'));
  fs.rmSync(probe, { recursive: true, force: true });
  fs.rmSync(clean, { recursive: true, force: true });

  const stops: { first: Stop; second?: Stop }[] = [];
  if (!isMaintenance)
    spread(totalEvents, POINTS).forEach((n, i) => {
      stops.push({ first: { afterEvents: n, signal: SIGNALS[i % SIGNALS.length] as NodeJS.Signals } });
    });
  spread(totalWrites, FS_POINTS).forEach((k) => {
    stops.push({ first: { atWrite: k, signal: 'SIGKILL' } });
  });
  // Stopped twice in a row: the resume stopped too.
  if (!isMaintenance)
    for (const [a, b] of [
      [0.3, 0.3],
      [0.6, 0.2],
      [0.15, 0.8],
    ] as const)
      stops.push({
        first: { afterEvents: Math.max(1, Math.round(totalEvents * a)), signal: 'SIGKILL' },
        second: { afterEvents: Math.max(1, Math.round(totalEvents * b)), signal: 'SIGKILL' },
      });
  else
    stops.push({
      first: { atWrite: Math.round(totalWrites / 2), signal: 'SIGKILL' },
      second: { atWrite: Math.round(totalWrites / 3), signal: 'SIGKILL' },
    });

  for (const stop of stops) {
    const dir = path.join(SCRATCH, `trial-${++trialNumber}`);
    copyWorkspace(base, dir, true);
    const problems: string[] = [];
    const first = await runner(dir, stopped, stop.first);
    const second = stop.second ? await runner(dir, stopped, stop.second) : undefined;
    const finishedBefore = new Set(
      [...first.events, ...(second?.events ?? [])]
        .filter((e) => e.event === 'stage:end' && e.outcome === 'ran')
        .map((e) => e.stage),
    );
    const last = await runner(dir, exec);
    // A killed run's shell stage the run to the end did not stop.
    const left = processesIn(dir);
    if (last.code !== 0) problems.push(`exit ${last.code}: ${last.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    if (/waiting: another runner/.test(last.stderr)) problems.push('waited for a lock');
    for (const warning of last.events.filter((e) => e.event === 'warning'))
      problems.push(`warning: ${String(warning.message).slice(0, 160)}`);
    for (const e of last.events)
      if (e.event === 'stage:end' && e.outcome === 'ran' && finishedBefore.has(e.stage) && !isMaintenance)
        problems.push(`${e.stage} ran again`);
    const diff = differences(snapshot(dir), expected);
    if (diff.length > 0) problems.push(`differs: ${diff.slice(0, 5).join(' ')}`);
    const noop = await runner(dir, exec);
    const notCached = noop.events.filter((e) => e.event === 'stage:end' && e.outcome !== 'cached').map((e) => e.stage);
    if (noop.code !== 0 || notCached.length > 0)
      problems.push(`the next run: exit ${noop.code}, not cached: ${notCached.join(',')}`);
    // A killed run's stage still at work: wait for it to end, then look again.
    if (left.length > 0) {
      problems.push(`${left.length} processes of the killed run still at work after the run to the end`);
      while (processesIn(dir).length > 0) spawnSync('sleep', ['0.1']);
      const after = differences(snapshot(dir), expected);
      if (after.length > 0) problems.push(`once they ended, differs: ${after.slice(0, 5).join(' ')}`);
    }
    const temps = leftovers(dir);
    if (temps.length > 0)
      problems.push(`left: ${temps.slice(0, 4).join(' ')}${temps.length > 4 ? ` (+${temps.length - 4})` : ''}`);
    const describe = (s: Stop, ran: Ran): string =>
      `${s.signal} ${s.afterEvents !== undefined ? `after event ${s.afterEvents}/${totalEvents}` : `at write ${s.atWrite}/${totalWrites}`} (${ran.code ?? ran.signal})`;
    if (problems.length > 0) failures++;
    rows.push([
      workload.name,
      describe(stop.first, first),
      stop.second && second ? describe(stop.second, second) : '-',
      problems.length === 0 ? 'ok' : `**${problems.join('; ')}**`,
    ]);
    console.error(`${workload.name} trial ${trialNumber}: ${rows.at(-1)?.slice(1).join(' | ')}`);
    if (problems.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.rmSync(base, { recursive: true, force: true });
}

console.log(`## Kills at chosen points

${table(['workspace', 'first stop (its exit)', 'second stop (its exit)', 'run to the end, compared with a clean run'], rows)}

Machine: ${machine()}. Command: \`node --import tsx bench/faults/kill-points.ts --points ${POINTS} --fs-points ${FS_POINTS}\`.
`);
if (failures > 0) {
  console.error(`${failures} trials failed; their workspaces are kept in ${SCRATCH}`);
  process.exitCode = 1;
} else fs.rmSync(SCRATCH, { recursive: true, force: true });
