// Acceptance: a stage that reruns but writes the same output does not make
// its downstream rerun (early cutoff); nor does a check stage (no outputs)
// that reruns and passes again.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { B_BRANCH, byOutcome, warmDagWorkspace } from '../cache/dag-workspace.js';
import { fileLines, outcomes, stageEnd, Workspace } from './rig.js';

describe('cache: early cutoff', () => {
  it('a1 reruns on a whitespace-only edit, its output is unchanged, a2 and a3 stay cached', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    ws.write('a/f007.txt', ws.read('a/f007.txt').replace('alpha line', 'alpha  line  '));
    const run = await ws.exec();
    expect(run.code).toBe(0);
    expect(run.executed).toEqual(['a1']);
    expect(byOutcome(run.outcome)).toEqual({ ran: ['a1'], cached: ['a2', 'a3', ...B_BRANCH].sort() });
    expect(stageEnd(run.events, 'a1').reason).toBe('input changed: a/f007.txt');
    expect(ws.outputs()).toEqual(before);
  });

  it('a1 reruns for a command change that writes the same bytes; a2 and a3 stay cached', async () => {
    const ws = await warmDagWorkspace();
    const before = ws.outputs();
    ws.write(
      'pipelines.yaml',
      ws.read('pipelines.yaml').replace('"echo a1 >> log.txt && ', '"true && echo a1 >> log.txt && '),
    );
    const run = await ws.exec();
    expect(run.executed).toEqual(['a1']);
    expect(run.outcome).toMatchObject({ a1: 'ran', a2: 'cached', a3: 'cached' });
    expect(ws.outputs()).toEqual(before);
  });
});

// lint (a check: inputs, no outputs) -> build -> ship. lint reads its own
// config besides the sources; build reads only the sources.
const CHECKED = `version: 1
pipelines:
  p:
    stages:
      lint:
        shell: "echo lint >> log.txt && ! grep -q FIXME src/*.txt && grep -q strict lint.cfg"
        inputs: ["src/*.txt", lint.cfg]
      build:
        needs: [lint]
        shell: "echo build >> log.txt && mkdir -p out && cat src/*.txt > out/app.txt"
        inputs: ["src/*.txt"]
        outputs: [out/app.txt]
      ship:
        needs: [build]
        shell: "echo ship >> log.txt && wc -c < out/app.txt > out/ship.txt"
        outputs: [out/ship.txt]
`;

describe('cache: early cutoff after a check stage (no outputs)', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  /** `runner exec p --json`, and the stages whose commands really ran (log.txt, then emptied). */
  const exec = async (): Promise<{ code: number | null; ran: string[]; outcome: Record<string, string> }> => {
    const result = await ws.run(['exec', 'p', '--json']);
    const ran = ws.exists('log.txt') ? fileLines(ws, 'log.txt') : [];
    fs.rmSync(ws.path('log.txt'), { force: true });
    return { code: result.code, ran, outcome: outcomes(result.events) };
  };

  const warm = async (yaml = CHECKED): Promise<void> => {
    ws = new Workspace();
    ws.write('pipelines.yaml', yaml);
    ws.write('src/a.txt', 'alpha\n');
    ws.write('src/b.txt', 'beta\n');
    ws.write('lint.cfg', 'strict\n');
    const first = await exec();
    expect(first.ran).toEqual(['lint', 'build', 'ship']);
  };

  it('the check reruns for an input of its own and passes again: its dependents stay cached', async () => {
    await warm();
    ws.write('lint.cfg', 'strict\nmax-line 120\n');
    const run = await exec();
    expect(run.code).toBe(0);
    expect(run.ran).toEqual(['lint']);
    expect(run.outcome).toEqual({ lint: 'ran', build: 'cached', ship: 'cached' });
  });

  it('the check reruns for a command change and passes again: its dependents stay cached', async () => {
    await warm();
    ws.write('pipelines.yaml', CHECKED.replace('"echo lint >> log.txt && ', '"true && echo lint >> log.txt && '));
    const run = await exec();
    expect(run.ran).toEqual(['lint']);
    expect(run.outcome).toEqual({ lint: 'ran', build: 'cached', ship: 'cached' });
  });

  it('a stage without outputs that writes undeclared files (cache.sideEffects) still reruns them', async () => {
    await warm(CHECKED.replace('lint.cfg]', 'lint.cfg]\n        cache: { sideEffects: true }'));
    ws.write('lint.cfg', 'strict\nmax-line 120\n');
    const run = await exec();
    // build writes the same bytes again: ship stays cached.
    expect(run.ran).toEqual(['lint', 'build']);
    expect(run.outcome).toEqual({ lint: 'ran', build: 'ran', ship: 'cached' });
  });

  it('a failing check still blocks its dependents, and a source edit still reruns them', async () => {
    await warm();
    ws.write('src/b.txt', 'beta FIXME\n');
    const failed = await exec();
    expect(failed.code).toBe(1);
    expect(failed.outcome).toEqual({ lint: 'failed', build: 'blocked', ship: 'blocked' });
    ws.write('src/b.txt', 'beta, fixed\n');
    const fixed = await exec();
    expect(fixed.code).toBe(0);
    expect(fixed.ran).toEqual(['lint', 'build', 'ship']);
  });
});
