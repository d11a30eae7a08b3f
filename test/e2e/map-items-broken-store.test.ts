// The item cache of a map stage lives in the item manifest and the dataset
// it points into (an index and its chunks), and, for a stage whose emit()
// sees the current item, the dataset of raw results. When any is missing or
// corrupt, the rerun says so in one warning, computes every item again, and
// its records are right; it never hands out a corrupt item.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StageRecord } from '../../src/cache/state.js';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function* items(ctx) { for (let i = 0; i < ctx.params.n; i++) yield { id: 'i' + i }; }
export function twice(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
  return { id: item.id, twice: item.id + item.id };
}
export async function all(ctx) {
  const out = [];
  for await (const record of ctx.upstream('twice')) out.push(record.twice);
  fs.writeFileSync(ctx.workspace.resolve('all.txt'), out.join(','));
}
`;

/** The same stage keeping raw results: its key is narrower than the item, so emit() builds the record. */
const EMIT_MODULE = `${MODULE.slice(0, MODULE.indexOf('export function twice'))}function compute(item, ctx) {
  fs.appendFileSync(ctx.workspace.resolve('computed.log'), item.id + '\\n');
  return { twice: item.id + item.id };
}
export const twice = { run: compute, key: (item) => item.id, emit: (item, result) => ({ id: item.id, twice: result.twice }) };
${MODULE.slice(MODULE.indexOf('export async function all'))}`;

const PIPELINE = `version: 1
pipelines:
  m:
    params: { n: 6 }
    stages:
      items: { run: m.mjs#items, params: [n] }
      twice: { run: m.mjs#twice, foreach: items, batchSize: 2, cache: { scope: item } }
      all: { run: m.mjs#all, needs: [twice] }
`;

interface Blobs {
  manifest: string;
  /** The first piece the manifest is stored in. */
  piece: string;
  dataset: string;
  chunk: string;
  /** The dataset of raw results and its first chunk ('' when the stage keeps none). */
  raws: string;
  rawChunk: string;
}
type Breakage = (objects: string, blobs: Blobs) => void;

const flip = (file: string): void => {
  const bytes = fs.readFileSync(file);
  const at = bytes.length - 3;
  bytes[at] = (bytes[at] ?? 0) ^ 0x20;
  fs.writeFileSync(file, bytes);
};

const cases: [string, Breakage, RegExp][] = [
  [
    'the manifest is missing',
    (objects, b) => fs.rmSync(path.join(objects, b.manifest)),
    /item manifest \w{12} is not in the object store/,
  ],
  [
    'the manifest is corrupt',
    (objects, b) => flip(path.join(objects, b.manifest)),
    /item manifest \w{12} could not be read \(it is corrupt and was removed\)/,
  ],
  [
    'a piece of the manifest is missing',
    (objects, b) => fs.rmSync(path.join(objects, b.piece)),
    /item manifest \w{12} could not be read \(a piece of it is gone\)/,
  ],
  [
    'a piece of the manifest is corrupt',
    (objects, b) => flip(path.join(objects, b.piece)),
    /item manifest \w{12} could not be read \(it is corrupt and was removed\)/,
  ],
  [
    'the dataset is missing',
    (objects, b) => fs.rmSync(path.join(objects, b.dataset)),
    /dataset \w{12} its cached items are in is not in the object store/,
  ],
  [
    'the dataset is corrupt',
    (objects, b) => flip(path.join(objects, b.dataset)),
    /dataset \w{12} its cached items are in was corrupt and has been removed/,
  ],
  [
    'a chunk of the dataset is missing',
    (objects, b) => fs.rmSync(path.join(objects, b.chunk)),
    /dataset \w{12} its cached items are in is not in the object store/,
  ],
  [
    'a chunk of the dataset is corrupt',
    (objects, b) => flip(path.join(objects, b.chunk)),
    /dataset \w{12} its cached items are in was corrupt and has been removed/,
  ],
];

const rawCases: [string, Breakage, RegExp][] = [
  [
    'the dataset of raw results is missing',
    (objects, b) => fs.rmSync(path.join(objects, b.raws)),
    /dataset \w{12} of its cached items' raw results is not in the object store/,
  ],
  [
    'the dataset of raw results is corrupt',
    (objects, b) => flip(path.join(objects, b.raws)),
    /dataset \w{12} of its cached items' raw results was corrupt and has been removed/,
  ],
  [
    'a chunk of raw results is missing',
    (objects, b) => fs.rmSync(path.join(objects, b.rawChunk)),
    /dataset \w{12} of its cached items' raw results is not in the object store/,
  ],
  [
    'a chunk of raw results is corrupt',
    (objects, b) => flip(path.join(objects, b.rawChunk)),
    /dataset \w{12} of its cached items' raw results was corrupt and has been removed/,
  ],
];

/** The first chunk (or piece) named by the index `hash`. */
function firstChunk(ws: Workspace, hash: string): string {
  const index = fs.readFileSync(ws.path('.runner/objects', hash), 'utf8');
  return (JSON.parse(index.slice(index.indexOf('\n') + 1)) as [string][])[0]?.[0] ?? '';
}

describe.each([
  ['a map stage', MODULE, cases],
  ['a map stage keeping raw results for emit()', EMIT_MODULE, rawCases],
] as const)('%s whose item cache is broken', (_stage, module, which) => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each(which)(
    'when %s: one warning, every item computed again, the right records',
    async (_name, breakIt, warning) => {
      ws = new Workspace();
      ws.write('m.mjs', module);
      ws.write('pipelines.yaml', PIPELINE);
      expect((await ws.run(['exec', 'm'])).code).toBe(0);
      const state = JSON.parse(ws.read('.runner/state.json')) as { stages: Record<string, StageRecord> };
      const record = state.stages['m/twice'];
      const dataset = record?.dataset?.hash ?? '';
      const manifest = record?.itemManifest?.manifest ?? '';
      expect(manifest).toMatch(/^[0-9a-f]{64}$/);
      // A dataset is an index of chunks (one here: the records are few), the manifest an index of pieces (one
      // here); the manifest's header, at the start of its first piece, names the raw results'.
      const piece = firstChunk(ws, manifest);
      const head = fs.readFileSync(ws.path('.runner/objects', piece), 'latin1').slice(0, 1024);
      const raws = (JSON.parse(head.split('\n')[1] ?? '{}') as { raws?: string }).raws ?? '';
      expect(raws === '').toBe(module === MODULE);
      const chunk = firstChunk(ws, dataset);
      const blobs = { manifest, piece, dataset, chunk, raws, rawChunk: raws && firstChunk(ws, raws) };
      breakIt(ws.path('.runner/objects'), blobs);

      const rerun = await ws.run(['exec', 'm', '--param', 'n=7', '--json']);
      expect(rerun.code, rerun.stderr).toBe(0);
      const warnings = rerun.events.flatMap((e) => (e.event === 'warning' ? [e.message] : []));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(warning);
      expect(stageEnd(rerun.events, 'twice').items).toEqual({ total: 7, done: 7, cached: 0, failed: 0 });
      expect(ws.read('all.txt')).toBe(Array.from({ length: 7 }, (_, i) => `i${i}i${i}`).join(','));
      expect(fs.readFileSync(ws.path('computed.log'), 'utf8').trim().split('\n')).toHaveLength(6 + 7);

      // The rerun wrote a sound manifest: the next one reuses every item.
      const third = await ws.run(['exec', 'm', '--param', 'n=8', '--json']);
      expect(stageEnd(third.events, 'twice').items).toEqual({ total: 8, done: 8, cached: 7, failed: 0 });
    },
  );
});
