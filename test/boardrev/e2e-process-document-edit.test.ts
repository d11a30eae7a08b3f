// End to end through the CLI: the process document drives evaluate only.
// Editing it re-evaluates every task and re-matches none; deleting it
// falls back to the built-in rules instead of failing the run.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lastRunRecord, outcomes } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { boardrevWorkspace, items } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

describe('boardrev: the process document', () => {
  it('re-evaluates every task when it changes, and falls back to built-in rules without it', async () => {
    ws = boardrevWorkspace();
    expect((await ws.run(['exec', 'boardrev'])).code).toBe(0);
    expect(ws.read('reports/board-review.md')).toContain(
      '| [Estimate shipping costs](../examples/board/shipping.md) | done | in-progress |',
    );

    // A lenient process: done needs checked boxes only, so the missing shipping code no longer matters...
    ws.write('examples/process.md', '## Done\n- Most boxes are checked (`boxes-some-checked`).\n');
    const edited = await ws.run(['exec', 'boardrev', '--json']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(outcomes(edited.events)).toMatchObject({ rules: 'ran', index: 'cached', match: 'cached', evaluate: 'ran' });
    expect(items(lastRunRecord(ws), 'evaluate')).toMatchObject({ total: 4, cached: 0 });
    expect(ws.read('reports/board-review.md')).not.toContain('| [Estimate shipping costs]');

    fs.rmSync(ws.path('examples/process.md'));
    const without = await ws.run(['exec', 'boardrev', '--json']);
    expect(without.code, without.stderr).toBe(0);
    const logs = without.events
      .filter((e) => e.event === 'stage:log' && e.stage === 'rules')
      .map((e) => ('line' in e ? e.line : ''));
    expect(logs).toEqual(['examples/process.md does not exist: using the built-in rules']);
    expect(ws.read('reports/board-review.md')).toContain(
      '| [Estimate shipping costs](../examples/board/shipping.md) | done | in-progress |',
    );
  });
});
