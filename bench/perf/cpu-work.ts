// The CPU-bound workload of the map benchmarks (bench/perf/cpu-map.ts,
// bench/scale-out/run.ts): work.mjs, whose `gen` task yields items of about
// 1 KiB of text and whose `work` map hashes an item's text `rounds` times
// with sha256 (150 rounds: about 0.15 ms an item on this machine), and the
// pipelines.yaml that runs them.
export const cpuWorkModule = (rounds: number): string => `
import { createHash } from 'node:crypto';
const ROUNDS = ${rounds};
export function textFor(i, mutate) {
  let text = 'item ' + i + (i === mutate ? ' (edited)' : '') + ' ';
  while (text.length < 1024) text += (i * 7919 % 104729).toString(36) + ' lorem ipsum dolor sit amet ';
  return text;
}
export function* gen(ctx) {
  for (let i = 0; i < ctx.params.n; i++) yield { id: 'item-' + i, text: textFor(i, ctx.params.mutate) };
}
export function work(item) {
  let h = item.text;
  for (let r = 0; r < ROUNDS; r++) h = createHash('sha256').update(h).digest('hex');
  return { id: item.id, digest: h };
}
`;

/** pipelines.yaml of pipeline `cpu`: `gen` yields `items` items, `work` maps them (concurrency 4). */
export function cpuPipeline(knobs: { items: number; isolate: string; batchSize: number; scope: string }): string {
  return `version: 1
pipelines:
  cpu:
    params: { n: ${knobs.items}, mutate: -1 }
    stages:
      gen:
        run: work.mjs#gen
        params: [n, mutate]
      work:
        run: work.mjs#work
        foreach: gen
        isolate: ${knobs.isolate}
        batchSize: ${knobs.batchSize}
        concurrency: 4
        cache: { scope: ${knobs.scope} }
`;
}
