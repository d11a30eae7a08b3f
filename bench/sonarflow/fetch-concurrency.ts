// sonarflow fetch: 20 pages of 500 issues, each answered after 50 ms by the
// fake SonarQube, fetched by the real pipeline (plan-pages -> fetch through
// the CLI) with the fetch stage's `concurrency: 1` and `concurrency: 8` in
// pipelines.yaml, side by side in one run, alternating, median of N runs.
// Prints a markdown table and saves it to bench/sonarflow/RESULTS.md.
//
//   node --import tsx bench/sonarflow/fetch-concurrency.ts [--runs 5]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO, stageEnd } from '../../test/e2e/rig.js';
import { startFakeSonarQube } from '../../test/fixtures/sonarflow/fake-sonarqube.js';
import type { FakeSonar } from '../../test/fixtures/sonarflow/fake-sonarqube.js';
import { generateIssues } from '../../test/fixtures/sonarflow/issues.js';
import { TOKEN, sonarEnv, sonarflowWorkspace } from '../../test/sonarflow/helpers.js';

const PAGES = 20;
const PAGE_SIZE = 500;
const LATENCY_MS = 50;
const LEVELS = [1, 8];
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;

interface Sample {
  fetchMs: number;
  pagesMs: number;
  maxInFlight: number;
}

async function measure(concurrency: number, fake: FakeSonar): Promise<Sample> {
  fake.resetStats();
  const ws = sonarflowWorkspace({ stages: { fetch: { concurrency } } });
  try {
    fs.mkdirSync(ws.path('examples'));
    fs.copyFileSync(path.join(REPO, 'examples/eslint.sarif'), ws.path('examples/eslint.sarif'));
    const result = await ws.run(
      ['exec', 'sonarflow', '--json', '--to', 'fetch', '--no-cache', '--param', 'source=sonarqube'],
      { env: sonarEnv(fake.url) },
    );
    if (result.code !== 0) throw new Error(`runner failed (concurrency ${concurrency}):\n${result.stderr}`);
    if (fake.pageRequests !== PAGES)
      throw new Error(`expected ${PAGES} page requests, the server saw ${fake.pageRequests}`);
    const end = stageEnd(result.events, 'fetch');
    return { fetchMs: end.durationMs, pagesMs: fake.pageWindowMs, maxInFlight: fake.maxInFlight };
  } finally {
    ws.remove();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  // One server for every run: after the warm-up its replies are serialised already, so
  // the table measures the runner's fetching, not the fake's JSON encoding.
  const fake = await startFakeSonarQube({
    issues: generateIssues(PAGES * PAGE_SIZE),
    projectKey: 'demo',
    token: TOKEN,
    latencyMs: LATENCY_MS,
  });
  const loadBefore = os.loadavg()[0] ?? 0;
  const samples = new Map<number, Sample[]>(LEVELS.map((c) => [c, []]));
  try {
    await measure(8, fake); // warm-up: tsx's transform cache, the fake's replies
    for (let run = 0; run < RUNS; run++) {
      for (const concurrency of run % 2 === 0 ? LEVELS : [...LEVELS].reverse())
        samples.get(concurrency)?.push(await measure(concurrency, fake));
    }
  } finally {
    await fake.close();
  }
  const baseline = median((samples.get(1) ?? []).map((s) => s.fetchMs));
  const basePages = median((samples.get(1) ?? []).map((s) => s.pagesMs));
  const rows = LEVELS.map((concurrency) => {
    const list = samples.get(concurrency) ?? [];
    const fetchMs = median(list.map((s) => s.fetchMs));
    const pagesMs = median(list.map((s) => s.pagesMs));
    const ideal = Math.ceil(PAGES / concurrency) * LATENCY_MS;
    return `| ${concurrency} | ${Math.round(pagesMs)} ms | ${(basePages / pagesMs).toFixed(1)}x | ${Math.round(fetchMs)} ms | ${Math.round(ideal)} ms | ${Math.max(...list.map((s) => s.maxInFlight))} | ${Math.round((PAGES * PAGE_SIZE) / (fetchMs / 1000))} | ${(baseline / fetchMs).toFixed(1)}x |`;
  });
  const table = [
    `# sonarflow fetch: concurrency 8 vs 1`,
    '',
    `${PAGES} pages of ${PAGE_SIZE} issues, each answered after ${LATENCY_MS} ms by the fake SonarQube on 127.0.0.1, fetched by`,
    "`runner exec sonarflow --to fetch --no-cache --param source=sonarqube` with only the fetch stage's `concurrency` changed",
    `in pipelines.yaml. Median of ${RUNS} runs each, alternating, after a warm-up run.`,
    '',
    '- 20 pages (server view): from the first page request reaching the fake to the last page response leaving it;',
    "- fetch stage: the stage's durationMs from the --json events, which adds loading the stage module and",
    '  finishing the 10,000-record dataset (about 120 ms whatever the concurrency);',
    '- latency floor: ceil(20 / concurrency) x 50 ms, what no client can beat.',
    '',
    '| concurrency | 20 pages (server view) | speed-up | fetch stage | latency floor | max in flight at the server | issues/s | speed-up |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    "The gap between concurrency 8 and its latency floor is CPU on the runner's main thread: each 300 KB page costs",
    'a few milliseconds to receive, JSON.parse, map and re-serialise into the dataset (profiled: fetch and parse',
    'about two thirds, the dataset write the rest), and with 8 pages arriving together those costs queue.',
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, ${os.platform()}; ` +
      `1-minute load average ${loadBefore.toFixed(1)} before, ${(os.loadavg()[0] ?? 0).toFixed(1)} after (other work on the machine slows the CPU-bound part).`,
    `Command: \`node --import tsx bench/sonarflow/fetch-concurrency.ts --runs ${RUNS}\` (after \`node scripts/build.mjs\`).`,
    '',
  ].join('\n');
  console.log(table);
  fs.writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md'), table);
}

await main();
