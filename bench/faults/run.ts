// Kill and resume at scale: a run stopped at a point in its map stage
// (SIGKILL, or SIGINT / SIGTERM, as a person or a CI timeout stops it), its
// resume stopped again, then a run to the end must give the same output as
// a clean run, reusing the blocks that were finished. Two workloads: N files
// through an item-cached map (inline) and M records through one (inline),
// and the CPU-bound map of bench/perf with `isolate: worker`; each ends in
// a task that writes a digest of every record it reads (count, a sum of
// their hashes, distinct identities, whether they came in order).
//
//   node --import tsx bench/faults/run.ts [--files 100000] [--records 1000000] [--items 20000] [--points 5] [--item-us 0] [--again 0.33]
//
// --item-us makes each file's item spin that long besides reading its file,
// so the map runs on long after its inputs are hashed (the stat cache is
// saved then, so a kill after that costs no re-hash on resume); --again 0
// runs the resume to the end instead of stopping it (the last run is the
// resume); --files 0, --records 0 or --items 0 leaves that pipeline out.
//
// Prints one markdown table and exits 1 if any output differs. The stop
// points spread over the clean run's own time (10% to 90%); the second stop
// comes a third of the clean run's time into the resume. A soak, not a test:
// it takes minutes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readRunRecord } from '../../src/report/run-record.js';
import { BIN, commandLineOptions, machine, table, tempWorkspace, write } from '../lib.js';
import { cpuWorkModule } from '../perf/cpu-work.js';

const args = commandLineOptions();
const FILES = Number(args.get('files') ?? 100000);
const RECORDS = Number(args.get('records') ?? 1000000);
const ITEMS = Number(args.get('items') ?? 20000);
const POINTS = Number(args.get('points') ?? 5);
const ITEM_US = Number(args.get('item-us') ?? 0);
/** When the resume is stopped, as a share of the clean run's time; 0: not stopped. */
const AGAIN = Number(args.get('again') ?? 1 / 3);
const PER_DIR = 1000;

const WORK = `import { readFileSync, writeFileSync } from 'node:fs';
export function stringHash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
export function count(item, ctx) {
  const text = readFileSync(ctx.workspace.resolve(item.path), 'utf8');
  const until = performance.now() + ${ITEM_US / 1000};
  while (performance.now() < until);
  return { id: item.path, lines: text.split('\\n').length, h: stringHash(text) };
}
export function* gen(ctx) {
  for (let i = 0; i < ctx.params.n; i++) yield { id: 'r' + String(i).padStart(8, '0'), text: 'lorem ipsum ' + i };
}
export function touch(record) {
  return { id: record.id, h: stringHash(record.text) };
}
/** A digest of every record of \`from\`: how many, a sum of their hashes, distinct ids, whether in order. */
export async function digest(ctx) {
  const from = ctx.params.from;
  let n = 0, sum = 0, last = -1, ordered = true;
  const ids = new Set();
  for await (const record of ctx.upstream(from)) {
    const h = typeof record.h === 'number' ? record.h : stringHash(record.digest ?? '');
    n++;
    sum = (sum + h) % 1000000007;
    ids.add(record.id);
    // Every id ends in its item's number (a file's, a record's): in order, they rise.
    const seq = Number(/(\\d+)\\D*$/.exec(record.id)?.[1]);
    if (!(seq > last)) ordered = false;
    last = seq;
  }
  writeFileSync(ctx.workspace.resolve('digest-' + ctx.pipeline + '.json'), JSON.stringify({ n, sum, distinct: ids.size, ordered }));
  return [{ n }];
}
`;

const YAML = `version: 1
pipelines:
  files:
    params: { from: count }
    stages:
      count:
        run: work.mjs#count
        foreach: { files: ["data/**/*.txt"] }
        batchSize: 500
        cache: { scope: item }
      digest:
        run: work.mjs#digest
        needs: [count]
        params: [from]
  records:
    params: { n: ${RECORDS}, from: touch }
    stages:
      gen:
        run: work.mjs#gen
        params: [n]
      touch:
        run: work.mjs#touch
        foreach: gen
        batchSize: 1000
        cache: { scope: item }
      digest:
        run: work.mjs#digest
        needs: [touch]
        params: [from]
  cpu:
    params: { n: ${ITEMS}, mutate: -1, from: work }
    stages:
      gen:
        run: cpu.mjs#gen
        params: [n, mutate]
      work:
        run: cpu.mjs#work
        foreach: gen
        isolate: worker
        batchSize: 200
        cache: { scope: item }
      digest:
        run: work.mjs#digest
        needs: [work]
        params: [from]
`;

const MAPS: Record<string, string> = { files: 'count', records: 'touch', cpu: 'work' };
const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGKILL', 'SIGINT', 'SIGKILL', 'SIGTERM'];

const dir = tempWorkspace('faults');
write(dir, 'work.mjs', WORK);
write(dir, 'cpu.mjs', cpuWorkModule(150));
write(dir, 'pipelines.yaml', YAML);
for (let i = 0; i < FILES; i++) {
  const name = `data/d${String(Math.floor(i / PER_DIR)).padStart(4, '0')}/f${String(i).padStart(7, '0')}.txt`;
  write(dir, name, `file ${i}\n${'lorem ipsum '.repeat(1 + (i % 7))}\n`);
}
console.error(`workspace ${dir}`);

/** States moved aside by clearState, deleted at the end. */
const trash: string[] = [];

/** Moves the workspace's state aside (deleting many files right before a timed run slows it here). */
function clearState(): void {
  const state = path.join(dir, '.runner');
  if (!fs.existsSync(state)) return;
  trash.push(fs.mkdtempSync(path.join(path.dirname(dir), 'runner-faults-trash-')));
  fs.renameSync(state, path.join(trash.at(-1) as string, 'state'));
}

/** `runner exec <pipeline> ...`, stopped with `signal` after `afterMs` (undefined: run to the end); its exit code. */
function exec(
  pipeline: string,
  extra: string[],
  stop?: { signal: NodeJS.Signals; afterMs: number },
): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, 'exec', pipeline, ...extra], {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    stdio: 'ignore',
  });
  const timer = stop && setTimeout(() => child.kill(stop.signal), stop.afterMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve(code ?? (signal ? -1 : null));
    }),
  );
}

function digestOf(pipeline: string): string {
  return fs.readFileSync(path.join(dir, `digest-${pipeline}.json`), 'utf8');
}

const rows: (string | number)[][] = [];
let differing = 0;
const sizes: Record<string, number> = { files: FILES, records: RECORDS, cpu: ITEMS };
for (const pipeline of ['files', 'records', 'cpu'].filter((name) => (sizes[name] ?? 0) > 0)) {
  clearState();
  const started = performance.now();
  const clean = await exec(pipeline, []);
  const cleanMs = performance.now() - started;
  if (clean !== 0) throw new Error(`a clean run of ${pipeline} exited ${clean}`);
  const expected = digestOf(pipeline);
  for (let p = 0; p < POINTS; p++) {
    const signal = SIGNALS[p % SIGNALS.length] as NodeJS.Signals;
    const at = Math.round(cleanMs * (0.1 + (0.8 * p) / Math.max(1, POINTS - 1)));
    const again = Math.round(cleanMs * AGAIN);
    clearState();
    const first = await exec(pipeline, [], { signal, afterMs: at });
    const second = again > 0 ? await exec(pipeline, [], { signal: 'SIGKILL', afterMs: again }) : undefined;
    fs.rmSync(path.join(dir, `digest-${pipeline}.json`), { force: true });
    const finalStarted = performance.now();
    const last = await exec(pipeline, ['--force=digest']);
    const finalMs = performance.now() - finalStarted;
    const record = readRunRecord(path.join(dir, '.runner', 'runs'));
    const map = record?.stages.find((s) => s.stage === MAPS[pipeline]);
    const isEqual =
      last === 0 && fs.existsSync(path.join(dir, `digest-${pipeline}.json`)) && digestOf(pipeline) === expected;
    if (!isEqual) differing++;
    rows.push([
      pipeline,
      signal,
      `${at} ms (exit ${first})`,
      second === undefined ? '-' : `${again} ms (exit ${second})`,
      map?.outcome === 'cached' ? 'all (stage cached)' : `${map?.items?.cached ?? 0} of ${map?.items?.total ?? 0}`,
      `${Math.round(finalMs)} ms`,
      isEqual ? 'equal' : `DIFFERS: ${last === 0 ? digestOf(pipeline) : `exit ${last}`}`,
    ]);
  }
  rows.push([pipeline, 'none (clean run)', '-', '-', '-', `${Math.round(cleanMs)} ms`, expected]);
}

const spin = ITEM_US > 0 ? `, each file's item spinning ${ITEM_US} µs` : '';
console.log(`## Kill and resume (${FILES} files${spin}, ${RECORDS} records, ${ITEMS} CPU-bound items in worker threads)

${table(['pipeline', 'first stop', 'at (its exit)', 'resume stopped at (its exit)', 'items reused by the last run', 'last run', 'output'], rows)}

Each row: the state cleared, a run stopped, ${AGAIN > 0 ? 'its resume killed, then a run to the end' : 'then its resume, run to the end'} (its digest task forced) compared with a clean run's digest. Exit -1: killed by the signal; 130: interrupted. Machine: ${machine()}. Command: \`node --import tsx bench/faults/run.ts --files ${FILES} --records ${RECORDS} --items ${ITEMS} --points ${POINTS}${ITEM_US > 0 ? ` --item-us ${ITEM_US}` : ''}${AGAIN !== 1 / 3 ? ` --again ${AGAIN}` : ''}\`.
`);
for (const moved of trash) fs.rmSync(moved, { recursive: true, force: true });
if (differing > 0) {
  console.error(`${differing} runs gave an output that differs from a clean run's`);
  process.exitCode = 1;
}
