// End to end through the CLI on the fixture shop: editing one source file
// re-chunks and re-embeds that file only (the item counts of the index
// stage in the run record), and its old chunks are gone from the index: a
// symbol renamed away is no longer found. Emptying or deleting a file drops
// its chunks.
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

// README.md, docs/guide.md and three files under src/ (not the board, not the process document).
const SOURCES = 5;

describe('boardrev: edit one source file', () => {
  it('re-embeds only that file and drops its stale chunks', async () => {
    ws = boardrevWorkspace();
    const first = await ws.run(['exec', 'boardrev', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(items(lastRunRecord(ws), 'index')).toEqual({ total: SOURCES, done: SOURCES, cached: 0, failed: 0 });
    expect(ws.read('reports/board-review.md')).toContain('  - `cartTotal`: found at `src/cart.ts:24` (declared)\n');

    ws.write('src/cart.ts', ws.read('src/cart.ts').replace('export function cartTotal(', 'export function cartSum('));
    const second = await ws.run(['exec', 'boardrev', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes(second.events)).toMatchObject({
      rules: 'cached',
      index: 'ran',
      match: 'ran',
      evaluate: 'ran',
      report: 'ran',
    });
    expect(items(lastRunRecord(ws), 'index')).toEqual({
      total: SOURCES,
      done: SOURCES,
      cached: SOURCES - 1,
      failed: 0,
    });
    const report = ws.read('reports/board-review.md');
    expect(report).toContain('  - `cartTotal`: not found\n');
    expect(report).toContain('| [Cart total with discount](../examples/board/cart-total.md) | done | in-progress |');

    // An emptied file has no chunks left either.
    ws.write('src/inventory.ts', '');
    const third = await ws.run(['exec', 'boardrev', '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(items(lastRunRecord(ws), 'index')).toEqual({
      total: SOURCES,
      done: SOURCES,
      cached: SOURCES - 1,
      failed: 0,
    });
    expect(ws.read('reports/board-review.md')).toContain('  - `reserveStock`: not found\n');
  });

  it('forgets a deleted file', async () => {
    ws = boardrevWorkspace();
    expect((await ws.run(['exec', 'boardrev'])).code).toBe(0);
    fs.rmSync(ws.path('src/payment.ts'));
    const second = await ws.run(['exec', 'boardrev', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(items(lastRunRecord(ws), 'index')).toEqual({
      total: SOURCES - 1,
      done: SOURCES - 1,
      cached: SOURCES - 1,
      failed: 0,
    });
    const report = ws.read('reports/board-review.md');
    expect(report).toContain('  - `src/payment.ts` (link): missing\n');
    expect(report).toContain('  - `refundPayment`: not found\n');
  });
});
