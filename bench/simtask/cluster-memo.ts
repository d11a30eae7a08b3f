// simtask's cluster after one function changed: a full pass beside a rerun
// from the neighbour lists the last run kept (runners/simtask/neighbour-memo.ts),
// on generated codebases, in one process, alternating. Records are in memory
// in both, so this times the clustering alone, not reading embed's records.
//   node --import tsx bench/simtask/cluster-memo.ts [--files 2000,5000] [--repeat 3]
import { clusterEmbeddings } from '../../runners/simtask/cluster.js';
import type { ClusterMemo } from '../../runners/simtask/cluster.js';
import { extractFunctions } from '../../runners/simtask/extract.js';
import type { EmbedRecord } from '../../runners/simtask/types.js';
import { embedLocally } from '../../test/simtask/helpers.js';
import { commandLineOptions, machine, table } from '../lib.js';
import { generateCodebase } from './generate.js';

const args = commandLineOptions();
const sizes = (args.get('files') ?? '2000,5000').split(',').map(Number);
const repeat = Number(args.get('repeat') ?? 3);
const options = { threshold: 0.58, k: 8, minSize: 2, minTokens: 20 };
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const rows: (string | number)[][] = [];
for (const files of sizes) {
  const { files: generated } = generateCodebase({ files, functionsPerFile: 10, seed: 1 });
  const records = await embedLocally(generated.flatMap((file) => extractFunctions(file.path, file.text)));
  const kept: ClusterMemo = {};
  await clusterEmbeddings(records, options, kept);
  // The edit: one function takes its neighbour's code.
  const donor = records[778] as EmbedRecord;
  const edited = records.map((r, i) => (i === 777 ? { ...r, vector: donor.vector, sketch: donor.sketch } : r));
  const full: number[] = [];
  const fromMemo: number[] = [];
  let rescored = 0;
  for (let round = 0; round < repeat; round++) {
    let start = performance.now();
    const plain = await clusterEmbeddings(edited, options);
    full.push(performance.now() - start);
    start = performance.now();
    const memo: ClusterMemo = { previous: kept.next };
    const again = await clusterEmbeddings(edited, options, memo);
    fromMemo.push(performance.now() - start);
    rescored = memo.rescored ?? 0;
    if (JSON.stringify(again) !== JSON.stringify(plain))
      throw new Error('the rerun from the memo differs from the full pass');
  }
  rows.push([
    records.length,
    `${Math.round(median(full))} ms`,
    `${Math.round(median(fromMemo))} ms`,
    `${(median(full) / median(fromMemo)).toFixed(2)}x`,
    rescored,
    `${(JSON.stringify(kept.next).length / 1024 / 1024).toFixed(1)} MiB`,
  ]);
}

console.log(`## simtask cluster after one edited function: full pass and rerun from the kept neighbour lists

${table(['functions', 'full pass', 'from the memo', 'speed-up', 'functions looked at again', 'memo size'], rows)}

Medians of ${repeat} alternating rounds in one process (same output checked each round); reading embed's records is not included. Machine: ${machine()}. Command: \`node --import tsx bench/simtask/cluster-memo.ts --files ${sizes.join(',')} --repeat ${repeat}\`.
`);
