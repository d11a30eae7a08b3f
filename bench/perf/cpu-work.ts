// The CPU-bound workload of the map benchmarks (bench/perf/cpu-map.ts,
// bench/scale-out/run.ts): work.mjs, whose `gen` task yields items of about
// 1 KiB of text and whose `work` map hashes an item's text `rounds` times
// with sha256 (150 rounds: about 0.15 ms an item on this machine).
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
