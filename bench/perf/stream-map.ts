// Streaming a large JSONL dataset through a two-stage map, `stream: true`
// against `stream: false` (load everything, the seed's "before"), at several
// input sizes, to show that peak memory stays flat as input grows.
//
//   npx tsx bench/perf/stream-map.ts [--sizes 250,500,1000] [--load-all-sizes 250]
import { machine, mib, ms, runCli, setKnob, stage, table, tempWorkspace, write } from '../lib.js';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1] ?? '']));
const SIZES = (args.get('--sizes') ?? '250,500,1000').split(',').map(Number);
const LOAD_ALL_SIZES = (args.get('--load-all-sizes') ?? '250').split(',').filter(Boolean).map(Number);
const RECORD_BYTES = 1024;

const dir = tempWorkspace('stream');
write(
  dir,
  'stages.mjs',
  `const FILLER = 'abcdefghijklmnopqrstuvwxyz0123456789 '.repeat(40);
export async function* gen(ctx) {
  const count = Math.round((ctx.params.mb * 1024 * 1024) / ${RECORD_BYTES});
  for (let i = 0; i < count; i++) yield { id: i, text: FILLER.slice(0, ${RECORD_BYTES - 40}) + i };
}
export function upper(record) {
  return { id: record.id, text: record.text.toUpperCase() };
}
export function measure(record) {
  let vowels = 0;
  for (const c of record.text) if (c === 'A' || c === 'E' || c === 'I' || c === 'O' || c === 'U') vowels++;
  return { id: record.id, vowels };
}
`,
);
write(
  dir,
  'pipelines.yaml',
  `version: 1
pipelines:
  big:
    params: { mb: 250 }
    stages:
      gen:
        run: stages.mjs#gen
        params: [mb]
      upper:
        run: stages.mjs#upper
        foreach: gen
        stream: true
        batchSize: 100
      measure:
        run: stages.mjs#measure
        foreach: upper
        stream: true
        batchSize: 100
`,
);

const rows: (string | number)[][] = [];
const streamPeaks = new Map<number, number>();
const loadAllPeaks = new Map<number, number>();
for (const mb of SIZES) {
  for (const isStream of [true, false]) {
    if (!isStream && !LOAD_ALL_SIZES.includes(mb)) continue;
    setKnob(dir, 'upper', 'stream', String(isStream));
    setKnob(dir, 'measure', 'stream', String(isStream));
    const run = await runCli(dir, ['exec', 'big', '--param', `mb=${mb}`, '--force=upper']);
    const upper = stage(run.record, 'upper');
    const measure = stage(run.record, 'measure');
    const peak = Math.max(upper.peakRssBytes ?? 0, measure.peakRssBytes ?? 0);
    (isStream ? streamPeaks : loadAllPeaks).set(mb, peak);
    rows.push([
      isStream ? 'stream: true' : 'before: stream: false (load all)',
      `${mb} MB`,
      upper.items?.total ?? 0,
      ms(upper.durationMs ?? 0),
      ms(measure.durationMs ?? 0),
      mib(upper.peakRssBytes),
      mib(measure.peakRssBytes),
    ]);
    console.error(rows.at(-1)?.join(' | '));
  }
}
const streamValues = [...streamPeaks.values()];
const flatness = Math.max(...streamValues) / Math.min(...streamValues);
const compareAt = LOAD_ALL_SIZES.find((mb) => streamPeaks.has(mb)) ?? 0;
const saving = 1 - (streamPeaks.get(compareAt) ?? 0) / (loadAllPeaks.get(compareAt) ?? 1);

console.log(`## Streaming a JSONL dataset through a two-stage map (records of ${RECORD_BYTES} bytes)

${table(['mode (YAML knob)', 'input', 'records', 'upper (map)', 'measure (map)', 'peak RSS in upper', 'peak RSS in measure'], rows)}

- Peak RSS with \`stream: true\`: ${streamValues.map((v) => mib(v)).join(', ')} for ${[...streamPeaks.keys()].map((mb) => `${mb} MB`).join(', ')}: max/min **${flatness.toFixed(2)}** (target: within 1.20, under 200 MiB).
- At ${compareAt} MB, \`stream: true\` uses **${(saving * 100).toFixed(0)}% less** peak memory than loading everything (target >= 80%).

Peak RSS is the runner process's, sampled every 100 ms while the stage runs. Machine: ${machine()}. Command: \`npx tsx bench/perf/stream-map.ts --sizes ${SIZES.join(',')} --load-all-sizes ${LOAD_ALL_SIZES.join(',')}\`.
`);
