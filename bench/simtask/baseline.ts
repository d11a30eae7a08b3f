// The sequential, single-threaded baseline of the benchmark: the same
// simtask stage functions the runner calls (scan, embed, cluster, plan,
// write), called in-process in one loop over the same workspace, with no
// cache, no worker threads and no datasets. Prints one JSON line:
// { ms, stages: { name: ms }, peakRssBytes, functions, clusters }.
//   node --import tsx bench/simtask/baseline.ts <workspace> [out]
import fs from 'node:fs';
import path from 'node:path';
import type { FileItem, JsonRecord, StageContext } from '../../src/api.js';
import { cluster } from '../../runners/simtask/cluster.js';
import { embed } from '../../runners/simtask/embed.js';
import { plan } from '../../runners/simtask/plan.js';
import { scan } from '../../runners/simtask/scan.js';
import type { ClusterRecord, EmbedRecord, PlanRecord, ScanRecord } from '../../runners/simtask/types.js';
import { write } from '../../runners/simtask/write.js';

const root = path.resolve(process.argv[2] ?? '.');
const out = process.argv[3] ?? 'tasks/baseline';
const EXTENSIONS = /\.(ts|tsx|js|jsx|mts|cts)$/;
const EXCLUDED = new Set(['node_modules', 'dist', 'build', 'coverage', '.runner']);

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory() && !EXCLUDED.has(entry.name)) found.push(...sourceFiles(relative));
    else if (entry.isFile() && EXTENSIONS.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(relative);
  }
  return found.sort();
}

function context(
  params: Record<string, unknown>,
  upstream: Record<string, JsonRecord[]> = {},
): StageContext & { index: number } {
  return {
    pipeline: 'simtask',
    stage: 'baseline',
    params,
    inputs: [],
    outputs: [],
    env: {},
    upstream: (name) =>
      (async function* () {
        yield* upstream[name] ?? [];
      })(),
    signal: new AbortController().signal,
    log: () => {},
    progress: () => {},
    workspace: {
      root,
      stateDir: path.join(root, '.runner'),
      tmp: path.join(root, '.runner', 'tmp'),
      resolve: (relative) => path.resolve(root, relative),
    },
    memo: { get: async () => undefined, set: async () => {} },
    read: ((item: JsonRecord, encoding?: BufferEncoding) =>
      fs.readFileSync(path.resolve(root, String(item.path)), encoding)) as StageContext['read'],
    code: 'baseline',
    index: 0,
  };
}

const params = {
  // What sourceFiles('src') below scans: cluster checks that its root is there.
  root: 'src',
  embedProvider: 'local',
  embedModel: 'none',
  threshold: 0.58,
  k: 8,
  minSize: 2,
  minTokens: 20,
  planProvider: 'template',
  planModel: 'none',
  out,
};
const stages: Record<string, number> = {};
const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
  const start = performance.now();
  const result = await work();
  stages[name] = Math.round(performance.now() - start);
  return result;
};

const started = performance.now();
const scanned = await timed('scan', async () => {
  const records: ScanRecord[] = [];
  for (const file of sourceFiles('src'))
    records.push(...((await scan.run?.({ path: file, hash: '' } as FileItem, context(params))) ?? []));
  return records;
});
const embedded = await timed('embed', async () => {
  const records: EmbedRecord[] = [];
  for (let i = 0; i < scanned.length; i += 64) {
    const batch = scanned.slice(i, i + 64);
    const results = (await embed.batch?.(batch, context(params))) ?? [];
    batch.forEach((item, j) => {
      records.push(embed.emit?.(item, results[j] as never) as EmbedRecord);
    });
  }
  return records;
});
const clusters = await timed('cluster', () => cluster(context(params, { embed: embedded, scan: scanned })));
const plans = await timed('plan', async () => {
  const records: PlanRecord[] = [];
  for (const record of clusters)
    records.push((await plan.run?.(record as ClusterRecord, context(params))) as PlanRecord);
  return records;
});
await timed('write', () => write(context(params, { plan: plans })));
console.log(
  JSON.stringify({
    ms: Math.round(performance.now() - started),
    stages,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    functions: scanned.length,
    clusters: clusters.length,
  }),
);
