// --force on a map stage with an item cache computes every item again, in
// both forms (--force: every stage; --force=S: S and its dependents), inline
// and in worker threads; the items it computes are cached for the next run.
// Items journaled by an earlier run that failed are not reused either.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLines, stageEnd, Workspace } from './rig.js';

const COUNT = 99;

const MODULE = `import fs from 'node:fs';
export function* numbers(ctx) {
  for (let i = 0; i < ${COUNT}; i++) yield { id: 'n' + i, value: i === 0 ? ctx.params.bump : i };
}
export function double(item, ctx) {
  if (fs.existsSync(ctx.workspace.resolve('broken-' + item.id))) throw new Error('broken ' + item.id);
  fs.appendFileSync(ctx.workspace.resolve('calls.log'), item.id + '\\n');
  return { id: item.id, doubled: item.value * 2 };
}
`;

const pipeline = (isolate: string): string => `version: 1
pipelines:
  m:
    params: { bump: 0 }
    stages:
      numbers: { run: m.mjs#numbers, params: [bump] }
      double:
        run: m.mjs#double
        foreach: numbers
        isolate: ${isolate}
        batchSize: 10
        cache: { scope: item }
`;

const ALL_IDS = Array.from({ length: COUNT }, (_, i) => `n${i}`).sort();

describe('--force on a map stage', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  const setUp = (isolate: string): void => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', pipeline(isolate));
  };

  /** `runner exec m --json ...args`, and the items whose function really ran (calls.log, then emptied). */
  const exec = async (...args: string[]) => {
    const result = await ws.run(['exec', 'm', '--json', ...args]);
    const calls = ws.exists('calls.log') ? fileLines(ws, 'calls.log').sort() : [];
    fs.rmSync(ws.path('calls.log'), { force: true });
    return { ...result, calls };
  };

  it.each([
    ['--force', 'inline'],
    ['--force=double', 'inline'],
    ['--force=numbers', 'inline'],
    ['--force', 'worker'],
    ['--force=double', 'worker'],
  ])('%s (%s) computes every item again, and caches them', async (flag, isolate) => {
    setUp(isolate);
    const first = await exec();
    expect(first.code, first.stderr).toBe(0);
    expect(first.calls).toEqual(ALL_IDS);

    const forced = await exec(flag);
    expect(forced.code, forced.stderr).toBe(0);
    expect(stageEnd(forced.events, 'double')).toMatchObject({ outcome: 'ran', reason: 'forced' });
    expect(stageEnd(forced.events, 'double').items).toEqual({ total: COUNT, done: COUNT, cached: 0, failed: 0 });
    expect(forced.calls).toEqual(ALL_IDS);

    const after = await exec();
    expect(stageEnd(after.events, 'double').outcome).toBe('cached');
    expect(after.calls).toEqual([]);
    // One item changed upstream: the other items come from what the forced run cached.
    const edited = await exec('--param', 'bump=100');
    expect(stageEnd(edited.events, 'double').items).toEqual({
      total: COUNT,
      done: COUNT,
      cached: COUNT - 1,
      failed: 0,
    });
    expect(edited.calls).toEqual(['n0']);
  });

  it('does not reuse the items an earlier failed run journaled', async () => {
    setUp('inline');
    ws.write('broken-n7', '');
    const failed = await exec();
    expect(failed.code).toBe(1);
    expect(stageEnd(failed.events, 'double').items).toMatchObject({ done: COUNT - 1, failed: 1 });
    fs.rmSync(ws.path('broken-n7'));

    const forced = await exec('--force=double');
    expect(forced.code, forced.stderr).toBe(0);
    expect(stageEnd(forced.events, 'double').items).toEqual({ total: COUNT, done: COUNT, cached: 0, failed: 0 });
    expect(forced.calls).toEqual(ALL_IDS);
  });
});
