import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

// produce (.ts) ──► double (.mjs) ──► collect (.ts)
const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      produce:',
  '        run: stages/produce.ts#produce',
  '      double:',
  '        needs: [produce]',
  '        run: stages/double.mjs#double',
  '      collect:',
  '        needs: [double]',
  '        run: stages/collect.ts#collect',
  '',
].join('\n');

const PRODUCE_TS = `
interface Item { n: number; label: string }
// Type-only syntax: this only loads if TypeScript is stripped at load time.
export async function produce(): Promise<Item[]> {
  const items: Item[] = [1, 2, 3].map((n): Item => ({ n, label: \`item-\${n}\` }));
  return items;
}
`;

const DOUBLE_MJS = `
export async function* double(ctx) {
  for await (const record of ctx.upstream('produce')) yield { ...record, n: record.n * 2 };
}
`;

const COLLECT_TS = `
import fs from 'node:fs';
type Rec = { n: number; label: string };
export async function collect(ctx: { upstream(name: string): AsyncIterable<Rec>; workspace: { resolve(p: string): string } }): Promise<void> {
  const seen: Rec[] = [];
  for await (const record of ctx.upstream('double')) seen.push(record);
  fs.writeFileSync(ctx.workspace.resolve('seen.json'), JSON.stringify(seen));
}
`;

describe('task stages in .ts and .mjs modules', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('load without a build step, and records flow downstream through ctx.upstream()', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('stages/produce.ts', PRODUCE_TS);
    ws.write('stages/double.mjs', DOUBLE_MJS);
    ws.write('stages/collect.ts', COLLECT_TS);
    const result = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(result.events, 'produce').reason).not.toMatch(/failed to load/);
    expect(outcomes(result.events)).toEqual({ produce: 'ran', double: 'ran', collect: 'ran' });
    expect(result.code).toBe(0);
    expect(JSON.parse(ws.read('seen.json'))).toEqual([
      { n: 2, label: 'item-1' },
      { n: 4, label: 'item-2' },
      { n: 6, label: 'item-3' },
    ]);
    expect(ws.exists('dist')).toBe(false);
  });
});

describe("a task stage's item counts", () => {
  it('are its records, whether it ran or was cached', async () => {
    const ws = new Workspace();
    try {
      ws.write('t.mjs', 'export function t() { return [{ a: 1 }, { a: 2 }, { a: 3 }]; }\n');
      ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      t: { run: t.mjs#t }\n');
      const ran = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(ran.events, 't').items).toEqual({ total: 3, done: 3, cached: 0, failed: 0 });
      const cached = await ws.run(['exec', 'p', '--json']);
      expect(stageEnd(cached.events, 't').items).toEqual({ total: 3, done: 3, cached: 3, failed: 0 });
    } finally {
      ws.remove();
    }
  });
});
