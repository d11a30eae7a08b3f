// A map stage over a large upstream dataset, rerun after one upstream record
// changed: the upstream chunks its last run covered are reused by name (not
// read: a damaged one goes unnoticed here, where a read would fail the
// stage), one item is computed, and its records are exactly those of a
// run from scratch (the same dataset hash).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { StageRecord } from '../../src/cache/state.js';
import { stageEnd, Workspace } from './rig.js';

const COUNT = 80_000;

const MODULE = `import fs from 'node:fs';
export function* gen(ctx) {
  for (let i = 0; i < ${COUNT}; i++)
    yield { id: 'r' + i, text: 'lorem ipsum ' + (i === ctx.params.mutate ? 'edited' : 'record') + ' ' + i };
}
export function twice(record) { return { id: record.id, text: record.text + '|' + record.text }; }
export async function sum(ctx) {
  let n = 0, chars = 0;
  for await (const record of ctx.upstream('twice')) { n++; chars += record.text.length; }
  fs.writeFileSync(ctx.workspace.resolve('sum.json'), JSON.stringify({ n, chars }));
}
`;

const PIPELINE = `version: 1
pipelines:
  p:
    params: { mutate: -1 }
    stages:
      gen: { run: m.mjs#gen, params: [mutate] }
      twice: { run: m.mjs#twice, foreach: gen, batchSize: 100, cache: { scope: item } }
      sum: { run: m.mjs#sum, needs: [twice] }
`;

function workspace(): Workspace {
  const ws = new Workspace();
  ws.write('m.mjs', MODULE);
  ws.write('pipelines.yaml', PIPELINE);
  return ws;
}

function record(ws: Workspace, stage: string): StageRecord {
  const state = JSON.parse(ws.read('.runner/state.json')) as { stages: Record<string, StageRecord> };
  const found = state.stages[`p/${stage}`];
  if (!found) throw new Error(`no record of ${stage}`);
  return found;
}

function chunksOf(ws: Workspace, hash: string): string[] {
  const index = ws.read(`.runner/objects/${hash}`);
  return (JSON.parse(index.slice(index.indexOf('\n') + 1)) as [string][]).map((row) => row[0]);
}

describe('a map stage rerun after one upstream record changed', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) ws.remove();
  });

  it('reuses the chunks it covered without reading them and gives the records of a run from scratch', async () => {
    const ws = workspace();
    made.push(ws);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    // Damage a chunk of gen far from the record that will change, behind the stat's back (same size, same mtime).
    const genChunks = chunksOf(ws, record(ws, 'gen').dataset?.hash ?? '');
    expect(genChunks.length).toBeGreaterThan(6);
    const damaged = ws.path('.runner/objects', genChunks.at(-2) ?? '');
    const before = fs.statSync(damaged, { bigint: true });
    fs.writeFileSync(damaged, fs.readFileSync(damaged, 'utf8').replace('lorem', 'LOREM'));
    const at = `@${before.mtimeNs / 1_000_000_000n}.${String(before.mtimeNs % 1_000_000_000n).padStart(9, '0')}`;
    expect(spawnSync('touch', ['-m', '-d', at, damaged]).status).toBe(0);

    const rerun = await ws.run(['exec', 'p', '--param', 'mutate=7', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(stageEnd(rerun.events, 'twice').items).toEqual({ total: COUNT, done: COUNT, cached: COUNT - 1, failed: 0 });

    const fresh = workspace();
    made.push(fresh);
    expect((await fresh.run(['exec', 'p', '--param', 'mutate=7'])).code).toBe(0);
    expect(record(ws, 'twice').dataset).toEqual(record(fresh, 'twice').dataset);
    expect(ws.read('sum.json')).toBe(fresh.read('sum.json'));

    // And once more, from the pieced-together run.
    const third = await ws.run(['exec', 'p', '--param', 'mutate=60000', '--json']);
    // r7 is back to what it was two runs ago (an entry no manifest keeps now) and r60000 changed.
    expect(stageEnd(third.events, 'twice').items.cached).toBe(COUNT - 2);
    expect((await fresh.run(['exec', 'p', '--param', 'mutate=60000'])).code).toBe(0);
    expect(record(ws, 'twice').dataset).toEqual(record(fresh, 'twice').dataset);
  });
});
