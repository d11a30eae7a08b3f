// A sources glob that matches no file (a typo in --param sources), or an
// empty one, fails the run with a message naming params.sources and what to
// set, instead of reviewing every task against no evidence and replacing
// the last report with that review.
import { afterAll, describe, expect, it } from 'vitest';
import { boardrevWorkspace } from './helpers.js';

describe('boardrev with sources that match nothing', () => {
  const ws = boardrevWorkspace();
  afterAll(() => ws.remove());

  it('fails naming params.sources and leaves the report alone', async () => {
    const cold = await ws.run(['exec', 'boardrev']);
    expect(cold.code, cold.stderr).toBe(0);
    const report = ws.read('reports/board-review.md');

    const typo = await ws.run(['exec', 'boardrev', '--param', 'sources=scr/**/*.ts']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('boardrev/report: FAILED after ');
    expect(typo.stderr).toContain(
      "params.sources: scr/**/*.ts matches no file with text in it (the board, the process document and params.out left out), so no task would have evidence; point it at the files to check the board against (--param 'sources=src/**/*.ts')",
    );
    expect(ws.read('reports/board-review.md')).toBe(report);

    const empty = await ws.run(['exec', 'boardrev', '--param', 'sources=']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(
      "params.sources is empty, so no task would have evidence; set it to a glob of the files to check the board against (--param 'sources=src/**/*.ts')",
    );
    expect(ws.read('reports/board-review.md')).toBe(report);

    const fixed = await ws.run(['exec', 'boardrev']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(ws.read('reports/board-review.md')).toBe(report);
  }, 120_000);
});
