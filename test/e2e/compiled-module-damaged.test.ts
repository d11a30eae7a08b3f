// A compiled module in .runner/modules/ that was cut short or edited after
// it was written (by hand, by a disk) no longer matches the checksum its
// stamp holds: it is compiled again from its source, never run; and
// `runner cache clear` drops the compiled modules with everything else.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function m(item: { path: string }, ctx: { workspace: { resolve(p: string): string } }): { path: string; text: string } {
  return { path: item.path, text: fs.readFileSync(ctx.workspace.resolve(item.path), 'utf8').trim() + ':ORIGINAL' };
}
export async function all(ctx: { upstream(name: string): AsyncIterable<{ text: string }>; workspace: { resolve(p: string): string } }): Promise<void> {
  const texts: string[] = [];
  for await (const record of ctx.upstream('m')) texts.push(record.text);
  fs.writeFileSync(ctx.workspace.resolve('all.txt'), texts.join(','));
}
`;

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      m: { run: s/m.ts#m, foreach: { files: ["data/*.txt"] } }
      all: { run: s/m.ts#all, needs: [m] }
`;

describe('a damaged compiled module', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  function compiledFile(): string {
    const dir = ws.path('.runner', 'modules');
    const name = fs.readdirSync(dir).find((file) => file.startsWith('m-'));
    if (!name) throw new Error('no compiled module');
    return path.join(dir, name);
  }

  async function setUp(): Promise<void> {
    ws = new Workspace();
    ws.write('s/m.ts', MODULE);
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('data/a.txt', 'a\n');
    const first = await ws.run(['exec', 'p']);
    expect(first.code, first.stderr).toBe(0);
    expect(ws.read('all.txt')).toBe('a:ORIGINAL');
  }

  it.each([
    ['cut short', (text: string) => text.slice(0, 300)],
    ['edited', (text: string) => text.replace(':ORIGINAL', ':TAMPERED')],
  ])('%s: is compiled again from its source, not run', async (_, damage) => {
    await setUp();
    const file = compiledFile();
    const text = fs.readFileSync(file, 'utf8');
    const damaged = damage(text);
    expect(damaged).not.toBe(text);
    fs.writeFileSync(file, damaged);
    ws.write('data/b.txt', 'b\n');
    const run = await ws.run(['exec', 'p']);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.read('all.txt')).toBe('a:ORIGINAL,b:ORIGINAL');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('is dropped by cache clear', async () => {
    await setUp();
    expect((await ws.run(['cache', 'clear'])).code).toBe(0);
    expect(fs.existsSync(ws.path('.runner', 'modules'))).toBe(false);
    expect(fs.existsSync(ws.path('.runner', 'stat-cache.bin'))).toBe(false);
  });
});
