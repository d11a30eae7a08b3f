// A map stage over 8,192 new files or more (the stat pass's worker reads
// them while items run) saves the stat cache once every input is hashed,
// not only at the run's end: a run killed outright (SIGKILL) after that,
// while its items run on, leaves every input's hash on disk, so the run
// that resumes it reads none of them again.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { StatCache } from '../../src/cache/stat-cache.js';
import { runAndSignal, stageEnd, Workspace } from './rig.js';
import { MANY_FILES_PARENT } from './many-files.js';

const FILES = 8200;
const LAST = `data/d81/f${String(FILES - 1).padStart(5, '0')}.txt`;

const MODULE = `import fs from 'node:fs';
export async function count(item, ctx) {
  if (item.path === '${LAST}' && fs.existsSync(ctx.workspace.resolve('hold'))) {
    fs.writeFileSync(ctx.workspace.resolve('reached'), 'yes');
    // Held here (a timer keeps the process alive) until the test kills the run.
    await new Promise(() => setInterval(() => {}, 60_000));
  }
  return { path: item.path, size: fs.readFileSync(ctx.workspace.resolve(item.path)).length };
}
export async function total(ctx) {
  let n = 0, size = 0;
  for await (const record of ctx.upstream('count')) { n++; size += record.size; }
  fs.writeFileSync(ctx.workspace.resolve('total.json'), JSON.stringify({ n, size }));
}
`;

/** Writes the FILES inputs (version `v` of their text), an hour old: no entry is too recent to vouch for its file. */
function writeInputs(ws: Workspace, v: number): string[] {
  const files: string[] = [];
  const old = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < FILES; i++) {
    const file = `data/d${String(Math.floor(i / 100)).padStart(2, '0')}/f${String(i).padStart(5, '0')}.txt`;
    ws.write(file, text(i, v));
    fs.utimesSync(ws.path(file), old, old);
    files.push(file);
  }
  return files;
}

const text = (i: number, v: number): string => `file ${i} version ${v}\n`;

describe('a run killed after its inputs were hashed', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  /** Runs p until the last item holds, kills it (SIGKILL): the inputs the stat cache on disk has no hash for. */
  async function killedAtLastItem(files: string[]): Promise<string[]> {
    ws.write('hold', 'yes');
    const killed = await runAndSignal(ws, ['exec', 'p'], { whenExists: 'reached', signal: 'SIGKILL' });
    expect(killed.code).toBeNull();
    fs.rmSync(ws.path('reached'));
    fs.rmSync(ws.path('hold'));
    const stats = new StatCache({ root: ws.dir, file: ws.path('.runner', 'stat-cache.bin') });
    return files.filter((file) => {
      const st = stats.stat(file);
      return !st || !stats.isFresh(file, st);
    });
  }

  /** Runs p to its end: it must compute every item and total them as version `v`. */
  async function resumes(v: number): Promise<void> {
    const resumed = await ws.run(['exec', 'p', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(stageEnd(resumed.events, 'count').items).toMatchObject({ total: FILES, done: FILES, failed: 0 });
    const size = Array.from({ length: FILES }, (_, i) => text(i, v).length).reduce((a, b) => a + b, 0);
    expect(JSON.parse(ws.read('total.json'))).toEqual({ n: FILES, size });
  }

  function setUp(): string[] {
    ws = new Workspace('runner-test-', MANY_FILES_PARENT);
    const files = writeInputs(ws, 1);
    expect(files.at(-1)).toBe(LAST);
    ws.write('m.mjs', MODULE);
    ws.write(
      'pipelines.yaml',
      `version: 1
pipelines:
  p:
    stages:
      count: { run: m.mjs#count, foreach: { files: ["data/**/*.txt"] }, batchSize: 500, cache: { scope: item } }
      total: { run: m.mjs#total, needs: [count] }
`,
    );
    return files;
  }

  it('on a first run (its items start while the inputs are read): every hash is on disk', async () => {
    const files = setUp();
    // The run never reached its end, where it used to save the stat cache.
    expect(await killedAtLastItem(files)).toEqual([]);
    await resumes(1);
  });

  it('after every input changed (all read before any item runs): every new hash is on disk', async () => {
    const files = setUp();
    await resumes(1);
    writeInputs(ws, 2);
    expect(await killedAtLastItem(files)).toEqual([]);
    await resumes(2);
  });
});
