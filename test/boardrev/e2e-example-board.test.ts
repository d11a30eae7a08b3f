// The example board (examples/board) and process (examples/process.md)
// reviewed against a copy of this repository's own README, docs and src, as
// `runner exec boardrev` does on a fresh clone, offline: the report flags
// exactly the tasks whose status is wrong on purpose, and changes no task
// file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { boardrevWorkspace } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

const MIS_STATUSED = {
  'keep-going': ['todo', 'review'],
  'postgres-cache': ['in-progress', 'blocked'],
  'params-file': ['done', 'in-progress'],
  'sigint-cancel': ['done', 'in-progress'],
};

describe('the example board', () => {
  it('flags the mis-statused tasks and only them', async () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), 'boardrev-example-'));
    try {
      for (const entry of ['README.md', 'docs', 'src', 'examples/board', 'examples/process.md'])
        fs.cpSync(path.join(REPO, entry), path.join(source, entry), { recursive: true });
      ws = boardrevWorkspace({ source });
    } finally {
      fs.rmSync(source, { recursive: true, force: true });
    }
    const board = fs.readdirSync(ws.path('examples/board')).map((f) => [f, ws?.read(`examples/board/${f}`)]);
    const result = await ws.run(['exec', 'boardrev']);
    expect(result.code, result.stderr).toBe(0);
    const report = ws.read('reports/board-review.md');
    expect(report).toContain(
      `12 tasks in \`examples/board\`; ${Object.keys(MIS_STATUSED).length} disagree with the evidence.`,
    );
    const table = report.slice(report.indexOf('## Disagreements'), report.indexOf('## Tasks'));
    const flagged = Object.fromEntries(
      [...table.matchAll(/^\| \[[^\]]+\]\(\.\.\/examples\/board\/([\w-]+)\.md\) \| ([\w-]+) \| ([\w-]+) \|/gm)].map(
        (m) => [m[1], [m[2], m[3]]],
      ),
    );
    expect(flagged).toEqual(MIS_STATUSED);
    for (const [file, text] of board) expect(ws.read(`examples/board/${String(file)}`)).toBe(text);
  });
});
