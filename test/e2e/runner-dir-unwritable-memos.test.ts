// A memo of the run that cannot be written (the stat cache, the workspace
// state, the blob checks: here each path taken by a directory, as a full
// disk or a read-only file would fail the write) is a warning naming it and
// what the next run pays, not an internal error: the run's result stands,
// its exit code is its stages', and the next run is right. So is the run
// record (.runner/runs/); a report asked for that cannot be written is an
// error naming it.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      count:
        run: work.mjs#count
        inputs: ["data/*.txt"]
`;
const WORK = `import fs from 'node:fs';
export function count(ctx) {
  return [{ n: fs.readFileSync(ctx.workspace.resolve('data/a.txt'), 'utf8').length }];
}
`;

describe('a memo that cannot be written', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([
    ['stat-cache.bin', 'the stat cache', 'the next run hashes its inputs again'],
    ['state.json', 'the workspace state', "the next run looks this run's stages up by their keys"],
    ['blob-checks.json', 'the blob checks', 'the next run reads the cached blobs it uses to check them'],
  ])('.runner/%s: a warning, the run stands', async (name, what, cost) => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    ws.write('data/a.txt', 'one\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    fs.rmSync(ws.path('.runner', name), { force: true });
    fs.mkdirSync(ws.path('.runner', name, 'taken'), { recursive: true });
    ws.write('data/a.txt', 'one, edited\n');

    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code).toBe(0);
    expect(stageEnd(run.events, 'count')).toMatchObject({ outcome: 'ran' });
    const warnings = run.events.filter((e) => e.event === 'warning').map((e) => ('message' in e ? e.message : ''));
    expect(warnings.some((m) => m.startsWith(`could not save ${what} (`) && m.includes(name) && m.endsWith(cost))).toBe(
      true,
    );
    expect(run.events.at(-1)).toMatchObject({ event: 'run:end', status: 'success' });

    // The next run, with the path free again, is right: the stage cached (or found by its key), its records the edit's.
    fs.rmSync(ws.path('.runner', name), { recursive: true });
    const next = await ws.run(['exec', 'p', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(['cached', 'restored']).toContain(stageEnd(next.events, 'count').outcome);
  });

  it('.runner/runs taken by a file: the run record not saved is a warning on stderr, the run stands', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    ws.write('data/a.txt', 'one\n');
    fs.mkdirSync(ws.path('.runner'), { recursive: true });
    fs.writeFileSync(ws.path('.runner', 'runs'), 'not a directory\n');
    const run = await ws.run(['exec', 'p']);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/success in .*: 1 ran/);
    expect(run.stderr).toMatch(
      /warning: could not save the run record \(.*\.runner\/runs.*\); `runner report` shows the last run that was saved/,
    );
  });

  it('a report whose path is taken by a directory: an error naming it, no internal error', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('work.mjs', WORK);
    ws.write('data/a.txt', 'one\n');
    fs.mkdirSync(ws.path('out.html', 'taken'), { recursive: true });
    for (const argv of [
      ['exec', 'p', '--report', 'out.html'],
      ['report', '-o', 'out.html'],
    ]) {
      const run = await ws.run(argv);
      expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/cannot write the report to .*out\.html \(.*\)/);
    }
  });
});
