// Incremental: after editing the source of one package (alpha, which the
// others depend on), a run re-scans and re-outlines that package only and
// rewrites its README only; the run record's item counts say so, and the
// other READMEs keep their bytes and their mtimes.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../e2e/rig.js';
import { logLines, readmeflowWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

interface RunRecord {
  stages: { stage: string; outcome: string; items: { total: number; done: number; cached: number; failed: number } }[];
}

const README = (name: string): string => `examples/workspace/packages/${name}/README.md`;

describe('an edit to one package', () => {
  it('re-scans and rewrites one README', async () => {
    ws = readmeflowWorkspace('workspace');
    for (let run = 0; run < 2; run++) expect((await ws.run(['exec', 'readmeflow'])).code).toBe(0);
    const before = new Map(
      ['alpha', 'beta', 'gamma'].map((name) => [
        name,
        { text: ws?.read(README(name)), mtime: fs.statSync(ws?.path(README(name)) ?? '').mtimeMs },
      ]),
    );

    fs.appendFileSync(
      ws.path('examples/workspace/packages/alpha/src/index.ts'),
      '\nexport function farewell(name: string): string {\n  return `Bye, ${name}!`;\n}\n',
    );
    const result = await ws.run(['exec', 'readmeflow', '--json']);
    expect(result.code, result.stderr).toBe(0);

    const runId = result.events.find((e) => e.event === 'run:start')?.runId ?? '';
    const record = JSON.parse(
      fs.readFileSync(path.join(ws.dir, '.runner', 'runs', `${runId}.json`), 'utf8'),
    ) as RunRecord;
    const items = Object.fromEntries(record.stages.map((s) => [s.stage, s.items]));
    const one = { total: 3, done: 3, cached: 2, failed: 0 };
    expect(items).toMatchObject({ scan: one, outline: one, write: one });
    expect(logLines(result.events, 'write')).toEqual([`${README('alpha')}: updated`]);

    expect(ws.read(README('alpha'))).toContain('function farewell(name: string): string');
    for (const name of ['beta', 'gamma']) {
      expect(ws.read(README(name))).toBe(before.get(name)?.text);
      expect(fs.statSync(ws.path(README(name))).mtimeMs).toBe(before.get(name)?.mtime);
    }
  });
});
