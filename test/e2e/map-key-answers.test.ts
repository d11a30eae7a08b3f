// What a map's key() answers keys its items in the item cache. A string or
// a number keys an item; anything else (undefined from a misspelt field, an
// object) would key every such item alike and hand one item's result to
// the others, so the item fails, with its identity, as it does when key()
// throws, and the others go on. Strings that differ only in lone surrogates
// (which UTF-8 writes alike) key apart.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `const ODD = ['\\ufffd', '\\udfff', '\\ud800'];
export function* items(ctx) {
  for (let i = 0; i < 4; i++) yield { id: 'i' + i, v: i === 3 ? ctx.params.last : i, k: i === 0 ? ODD[ctx.params.odd] : 'k' + i };
}
export const misspelt = { key: (item) => item.hash, run: (item) => ({ id: item.id, twice: item.v * 2 }) };
export const throws = { key: (item) => { if (item.id === 'i2') throw new Error('no key for i2'); return item.id; }, run: (item) => ({ id: item.id }) };
export const numbers = { key: (item) => item.v, run: (item) => ({ id: item.id, twice: item.v * 2 }) };
export const surrogates = { key: (item) => item.k, run: (item) => ({ id: item.id, code: item.k.charCodeAt(0).toString(16) }) };
export async function show(ctx) {
  const out = [];
  for await (const record of ctx.upstream(ctx.params.stage)) out.push(record);
  (await import('node:fs')).writeFileSync(ctx.workspace.resolve('shown.json'), JSON.stringify(out));
}
`;

function pipeline(stage: string, isolate: string): string {
  return `version: 1
pipelines:
  p:
    params: { last: 3, odd: 0, stage: ${stage} }
    stages:
      items: { run: m.mjs#items, params: [last, odd] }
      ${stage}: { run: m.mjs#${stage}, foreach: items, isolate: ${isolate}, cache: { scope: item } }
`;
}

describe("a map stage's key()", () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  function setUp(stage: string, isolate = 'inline'): void {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(stage, isolate));
  }

  it.each(['inline', 'worker'])(
    'that answers undefined fails each item, keying none (isolate: %s)',
    async (isolate) => {
      setUp('misspelt', isolate);
      const run = await ws.run(['exec', 'p', '--json']);
      expect(run.code).toBe(1);
      const end = stageEnd(run.events, 'misspelt');
      expect(end.items).toEqual({ total: 4, done: 0, cached: 0, failed: 4 });
      expect(end.reason).toBe('4 items failed; first: id=i0: key() returned undefined, not a string or a number');
      // Nothing was kept under the one key they would all have had.
      ws.write('m.mjs', MODULE.replace('item.hash', 'item.id'));
      const fixed = await ws.run(['exec', 'p', '--param', 'last=30', '--json']);
      expect(stageEnd(fixed.events, 'misspelt').items).toEqual({ total: 4, done: 4, cached: 0, failed: 0 });
    },
  );

  it('that throws for one item fails that item alone, saying so', async () => {
    setUp('throws');
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.code).toBe(1);
    const end = stageEnd(run.events, 'throws');
    expect(end.items).toEqual({ total: 4, done: 3, cached: 0, failed: 1 });
    expect(end.reason).toBe('1 item failed; first: id=i2: key: no key for i2');
  });

  it('that answers numbers keys each item by its number', async () => {
    setUp('numbers');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const rerun = await ws.run(['exec', 'p', '--param', 'last=30', '--json']);
    expect(stageEnd(rerun.events, 'numbers').items).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
  });

  it.each(['inline', 'worker'])(
    'keys apart strings that differ only in a lone surrogate (isolate: %s)',
    async (isolate) => {
      setUp('surrogates', isolate);
      ws.write(
        'pipelines.yaml',
        `${pipeline('surrogates', isolate)}      show: { run: m.mjs#show, needs: [surrogates], params: [stage] }\n`,
      );
      const codeOfFirst = async (odd: string): Promise<string> => {
        const run = await ws.run(['exec', 'p', '--param', `odd=${odd}`, '--json']);
        expect(run.code, run.stderr).toBe(0);
        const shown = JSON.parse(ws.read('shown.json')) as { id: string; code: string }[];
        const first = shown.find((record) => record.id === 'i0');
        return first?.code ?? '';
      };
      expect(await codeOfFirst('0')).toBe('fffd');
      expect(await codeOfFirst('1')).toBe('dfff');
      expect(await codeOfFirst('2')).toBe('d800');
    },
  );
});
