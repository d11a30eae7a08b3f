// A map stage over a large upstream dataset, rerun after one upstream record
// changed: the upstream chunks its last run covered are reused by name (not
// read: a damaged one goes unnoticed here, where a read would fail the
// stage), one item is computed, and its records are exactly those of a
// run from scratch (the same dataset hash). A stage whose emit() sees the
// current item keeps its raw results in chunks too: the rerun names the
// ones it keeps, unread. The item manifest is stored in pieces: the rerun
// writes the two its changed entries are in.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunksNamedIn } from '../../src/cache/dataset-chunks.js';
import type { StageRecord } from '../../src/cache/state.js';
import { stageEnd, Workspace } from './rig.js';

const COUNT = 80_000;

const MODULE = `import fs from 'node:fs';
export function* gen(ctx) {
  for (let i = 0; i < ${COUNT}; i++)
    yield { id: 'r' + i, text: 'lorem ipsum ' + (i === ctx.params.mutate ? 'edited' : 'record') + ' ' + i };
}
export function twice(record) { return { id: record.id, text: record.text + '|' + record.text }; }
export const keyed = {
  run: (record) => ({ doubled: record.text + '|' + record.text }),
  key: (record) => record.text,
  emit: (record, result) => ({ id: record.id, text: result.doubled }),
};
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

function workspace(map = 'twice'): Workspace {
  const ws = new Workspace();
  ws.write('m.mjs', MODULE);
  ws.write('pipelines.yaml', PIPELINE.replace('m.mjs#twice', `m.mjs#${map}`));
  return ws;
}

/** The dataset of raw results the stage's item manifest names (in its header, at the start of its first piece). */
function rawsOf(ws: Workspace, stage: string): string {
  const pieces = chunksNamedIn(ws.path('.runner/objects', record(ws, stage).itemManifest?.manifest ?? ''));
  const head = fs.readFileSync(ws.path('.runner/objects', pieces[0] ?? ''), 'latin1');
  return (JSON.parse(head.slice(0, 1024).split('\n')[1] ?? '{}') as { raws?: string }).raws ?? '';
}

/**
 * Rewrites a blob in place, its size kept, and stamps its new stat as this
 * workspace's last check of it (.runner/blob-checks.json): a later run that
 * trusts the stat does not notice, as with bit rot (no write keeps a ctime).
 */
function damageBehindStat(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(
    file,
    text.replace(/[a-z]/, (c) => c.toUpperCase()),
  );
  const checksFile = path.join(path.dirname(path.dirname(file)), 'blob-checks.json');
  const checks = JSON.parse(fs.readFileSync(checksFile, 'utf8')) as { blobs: Record<string, number[]> };
  expect(checks.blobs[path.basename(file)]).toBeDefined();
  const st = fs.statSync(file);
  checks.blobs[path.basename(file)] = [st.size, st.ctimeMs, st.ino];
  fs.writeFileSync(checksFile, JSON.stringify(checks));
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
    damageBehindStat(ws.path('.runner/objects', genChunks.at(-2) ?? ''));
    const oldPieces = chunksOf(ws, record(ws, 'twice').itemManifest?.manifest ?? '');
    expect(oldPieces.length).toBeGreaterThan(6);

    const rerun = await ws.run(['exec', 'p', '--param', 'mutate=7', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(stageEnd(rerun.events, 'twice').items).toEqual({ total: COUNT, done: COUNT, cached: COUNT - 1, failed: 0 });
    // Its item manifest is new in two pieces: the first (the header names the new dataset; r7's key) and the
    // one r7's block key is in.
    const newPieces = chunksOf(ws, record(ws, 'twice').itemManifest?.manifest ?? '');
    expect(newPieces).toHaveLength(oldPieces.length);
    expect(newPieces.filter((piece) => !oldPieces.includes(piece))).toHaveLength(2);

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

  it('with emit(): names the chunks of raw results it keeps, unread, and gives the raw results of a run from scratch', async () => {
    const ws = workspace('keyed');
    made.push(ws);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const oldRaws = chunksOf(ws, rawsOf(ws, 'twice'));
    expect(oldRaws.length).toBeGreaterThan(6);
    // Far from the item that will change: a rerun that read it would fail.
    damageBehindStat(ws.path('.runner/objects', oldRaws.at(-2) ?? ''));

    const rerun = await ws.run(['exec', 'p', '--param', 'mutate=7', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(stageEnd(rerun.events, 'twice').items).toEqual({ total: COUNT, done: COUNT, cached: COUNT - 1, failed: 0 });
    const newRaws = chunksOf(ws, rawsOf(ws, 'twice'));
    expect(newRaws.filter((chunk) => !oldRaws.includes(chunk)).length).toBeLessThanOrEqual(3);

    const fresh = workspace('keyed');
    made.push(fresh);
    expect((await fresh.run(['exec', 'p', '--param', 'mutate=7'])).code).toBe(0);
    expect(rawsOf(ws, 'twice')).toBe(rawsOf(fresh, 'twice'));
    expect(record(ws, 'twice').dataset).toEqual(record(fresh, 'twice').dataset);
    expect(ws.read('sum.json')).toBe(fresh.read('sum.json'));
  });
});
