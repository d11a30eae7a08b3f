// SIGKILL at seeded points of a run (after the k-th event it printed), then
// a plain rerun: it must succeed with the same outputs as an uninterrupted
// run, and must not redo a stage that had finished before the kill.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { outcomes, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* gen() { for (let i = 0; i < 60; i++) yield { id: 'i' + i, n: i }; }
export function sq(item) { return { id: item.id, sq: item.n * item.n }; }
export async function sum(ctx) {
  let total = 0;
  for await (const record of ctx.upstream('sq')) total += record.sq;
  fs.mkdirSync(ctx.workspace.resolve('out'), { recursive: true });
  fs.writeFileSync(ctx.workspace.resolve('out/sum.txt'), String(total) + '\\n');
}
`;
const PIPELINE = `version: 1
pipelines:
  k:
    stages:
      a: { shell: "mkdir -p out && cat in/*.txt > out/a.txt", inputs: ["in/*.txt"], outputs: [out/a.txt] }
      b: { needs: [a], shell: "tr a-z A-Z < out/a.txt > out/b.txt", inputs: [out/a.txt], outputs: [out/b.txt] }
      c: { needs: [b], shell: "wc -c < out/b.txt > out/c.txt", inputs: [out/b.txt], outputs: [out/c.txt] }
      gen: { run: m.mjs#gen }
      sq: { run: m.mjs#sq, foreach: gen, batchSize: 5, concurrency: 2, cache: { scope: item } }
      sum: { run: m.mjs#sum, needs: [sq], outputs: [out/sum.txt] }
`;
const OUTPUTS = ['out/a.txt', 'out/b.txt', 'out/c.txt', 'out/sum.txt'];
const TRIALS = 10;

function workspace(): Workspace {
  const ws = new Workspace('runner-kill-');
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('m.mjs', MODULE);
  for (let i = 0; i < 20; i++) ws.write(`in/f${i}.txt`, `line ${i}\n`);
  return ws;
}

const eventLines = (stdout: string): number => stdout.split('\n').filter((l) => l.startsWith('{"event"')).length;

describe('a run killed with SIGKILL at seeded points', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) ws.remove();
  });

  it(`resumes correctly and keeps finished work, ${TRIALS} times`, async () => {
    const reference = workspace();
    made.push(reference);
    const whole = await reference.run(['exec', 'k', '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    const expected = OUTPUTS.map((file) => reference.read(file));
    const total = whole.events.length;
    let seed = 7;
    for (let trial = 0; trial < TRIALS; trial++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const killAfter = 1 + (seed % (total - 1));
      const ws = workspace();
      made.push(ws);
      let isKilled = false;
      const killed = await ws.run(['exec', 'k', '--json'], {
        onStdout: (stdout, kill) => {
          if (!isKilled && eventLines(stdout) >= killAfter) {
            isKilled = true;
            kill('SIGKILL');
          }
        },
      });
      const what = `trial ${trial}, killed after event ${killAfter} of ${total}`;
      const finished = killed.events
        .filter((e): e is Extract<RunEvent, { event: 'stage:end' }> => e.event === 'stage:end')
        .filter((e) => e.outcome === 'ran')
        .map((e) => e.stage);
      const rerun = await ws.run(['exec', 'k', '--json']);
      expect(rerun.code, `${what}: ${rerun.stderr}`).toBe(0);
      expect(
        OUTPUTS.map((file) => ws.read(file)),
        what,
      ).toEqual(expected);
      const again = outcomes(rerun.events);
      for (const stage of finished) expect(again[stage], `${what}: ${stage}`).not.toBe('ran');
    }
  }, 180_000);
});
