// boardrev index on a generated 10,000-file repository: peak RSS of the
// index stage (the run record's per-stage peakRssBytes), its time and item
// counts, for a cold run, a no-op rerun, and a rerun after editing one
// file; then match, for a board of generated tasks against that index.
// The budget is 300 MB peak RSS. The repository is TypeScript (80%)
// and markdown (20%), 0.5 to 12 KB per file, made up deterministically from
// a fixed vocabulary. The pipeline is the repository's own boardrev section
// (its knobs as committed), run with `--to index`.
// Prints a markdown table and saves it to bench/boardrev/RESULTS.md.
//
//   node --import tsx bench/boardrev/index-memory.ts [--files 10000]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, mib, ms, runCli, stage, table, tempWorkspace, write } from '../lib.js';
import { boardrevWorkspaceConfig, generateBoard, generateRepository } from './generate.js';

const filesArg = process.argv.indexOf('--files');
const FILES = filesArg >= 0 ? Number(process.argv[filesArg + 1]) : 10_000;
const BUDGET_BYTES = 300 * 1024 * 1024;
const TASKS = 200;
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Row {
  run: string;
  stage: string;
  outcome: string;
  items: string;
  durationMs: number;
  peakRssBytes: number | undefined;
}

async function measure(dir: string, label: string, stageName = 'index'): Promise<Row> {
  const result = await runCli(dir, ['exec', 'boardrev', ...(stageName === 'index' ? ['--to', 'index'] : [])]);
  const summary = stage(result.record, stageName);
  const counts = summary.items;
  return {
    run: label,
    stage: stageName,
    outcome: summary.outcome ?? '?',
    items: counts ? `${counts.done} (${counts.cached} cached)` : '-',
    durationMs: summary.durationMs ?? 0,
    peakRssBytes: summary.peakRssBytes ?? result.record.peakRssBytes,
  };
}

async function main(): Promise<void> {
  const dir = tempWorkspace('boardrev-index');
  try {
    const generated = generateRepository(dir, FILES);
    write(dir, 'pipelines.yaml', boardrevWorkspaceConfig());
    const rows: Row[] = [];
    rows.push(await measure(dir, 'cold'));
    rows.push(await measure(dir, 'no-op rerun'));
    const edited = path.join(dir, generated.files[Math.floor(generated.files.length / 2)] ?? '');
    fs.appendFileSync(edited, '\nexport function addedByTheBenchmark(): number {\n  return 42;\n}\n');
    rows.push(await measure(dir, 'one file edited'));
    // match streams the whole index once per batch of tasks: its memory must not grow with the index either.
    generateBoard(dir, TASKS);
    rows.push(await measure(dir, `${TASKS} tasks`, 'match'));
    const chunkLine = `${FILES.toLocaleString('en')} files, ${(generated.bytes / 1024 / 1024).toFixed(1)} MiB of source`;
    const worst = Math.max(...rows.map((r) => r.peakRssBytes ?? 0));
    const text = [
      '# boardrev index: peak memory on a 10k-file repository',
      '',
      `A generated repository of ${chunkLine} (80% TypeScript, 20% markdown, 0.5-12 KB per file), indexed by`,
      "`runner exec boardrev --to index` with the repository's own boardrev section of pipelines.yaml (stream: true,",
      "batchSize 16, concurrency 4, maxLines 60, maxBytes 3000, local embedder). Peak RSS is the run record's",
      "per-stage `peakRssBytes`: the whole runner process's resident set while the stage ran (Node, the loaded",
      'modules, SQLite and the stage itself). The last row adds a board of generated tasks and runs the whole',
      'pipeline: match compares every task with every chunk of that index, streaming it once per batch of 256 tasks.',
      '',
      table(
        ['run', 'stage', 'outcome', 'items (cached)', 'time', 'peak RSS'],
        rows.map((r) => [r.run, r.stage, r.outcome, r.items, ms(r.durationMs), mib(r.peakRssBytes)]),
      ),
      '',
      `Budget: 300 MiB. Worst: ${mib(worst)} — ${worst <= BUDGET_BYTES ? 'within' : 'OVER'} budget.`,
      '',
      `Machine: ${machine()}.`,
      'Command: `node --import tsx bench/boardrev/index-memory.ts` (after `node scripts/build.mjs`).',
      '',
    ].join('\n');
    process.stdout.write(text);
    fs.writeFileSync(path.join(HERE, 'RESULTS.md'), text);
    if (worst > BUDGET_BYTES) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
