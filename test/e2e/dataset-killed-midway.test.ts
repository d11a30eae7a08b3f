// A stage killed outright (SIGKILL) while its dataset is half written: the
// chunks it stored are there without an index naming them, so no record
// points at them; the next run writes the dataset whole, and its consumer
// reads every record once.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, runAndSignal, Workspace } from './rig.js';

const COUNT = 60_000;

const MODULE = `import fs from 'node:fs';
export async function* gen(ctx) {
  for (let i = 0; i < ${COUNT}; i++) {
    if (i === ${COUNT / 2} && fs.existsSync(ctx.workspace.resolve('hold'))) {
      fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
      // Held here (a timer keeps the process alive) until the test kills the run.
      await new Promise(() => setInterval(() => {}, 60_000));
    }
    yield { i, text: 'record ' + i + ' of the dataset being written' };
  }
}
export async function sum(ctx) {
  let n = 0, total = 0;
  for await (const record of ctx.upstream('gen')) { n++; total += record.i; }
  fs.writeFileSync(ctx.workspace.resolve('sum.json'), JSON.stringify({ n, total }));
}
`;

describe('a dataset killed while half written', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('leaves chunks no record names; the next run writes it whole and its consumer reads it once', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  p:
    stages:
      gen: { run: m.mjs#gen }
      sum: { run: m.mjs#sum, needs: [gen] }
`,
    );
    ws.write('hold', 'yes');
    const killed = await runAndSignal(ws, ['exec', 'p', '--json'], { whenExists: 'reached', signal: 'SIGKILL' });
    expect(killed.code).toBeNull();
    // Half the records (about 1.5 MB) were written: chunks of them are stored, and nothing names them.
    const stored = fs.readdirSync(ws.path('.runner/objects')).filter((name) => /^[0-9a-f]{64}$/.test(name));
    expect(stored.length).toBeGreaterThan(3);
    expect(ws.exists('.runner/state.json') && ws.read('.runner/state.json').includes('"p/gen"')).toBe(false);

    fs.rmSync(ws.path('hold'));
    const rerun = await ws.run(['exec', 'p', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(outcomes(rerun.events)).toEqual({ gen: 'ran', sum: 'ran' });
    expect(JSON.parse(ws.read('sum.json'))).toEqual({ n: COUNT, total: (COUNT * (COUNT - 1)) / 2 });

    // The records of the first half made the same chunks again: the dataset's index names every chunk stored then.
    const state = JSON.parse(ws.read('.runner/state.json')) as {
      stages: Record<string, { dataset?: { hash: string } }>;
    };
    const index = ws.read(`.runner/objects/${state.stages['p/gen']?.dataset?.hash}`);
    const chunks = new Set((JSON.parse(index.slice(index.indexOf('\n') + 1)) as [string][]).map((row) => row[0]));
    expect(stored.filter((name) => !chunks.has(name))).toEqual([]);
    const noop = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(noop.events)).toEqual({ gen: 'cached', sum: 'cached' });
  });
});
