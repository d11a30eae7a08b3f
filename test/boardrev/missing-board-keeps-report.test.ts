// A board that does not exist (a typo in --param board) fails the run with
// a message naming the param and what to do, instead of reviewing no tasks
// and replacing the last report with one of 0 tasks.
import { afterAll, describe, expect, it } from 'vitest';
import { boardrevWorkspace } from './helpers.js';

describe('boardrev with a board that does not exist', () => {
  const ws = boardrevWorkspace();
  afterAll(() => ws.remove());

  it('fails naming params.board and leaves the report alone', async () => {
    const cold = await ws.run(['exec', 'boardrev']);
    expect(cold.code, cold.stderr).toBe(0);
    const report = ws.read('reports/board-review.md');
    expect(report).not.toContain('0 tasks');

    const typo = await ws.run(['exec', 'boardrev', '--param', 'board=examples/bord']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(
      'params.board: examples/bord does not exist; point it at the directory of task files (--param board=path/to/board)',
    );
    expect(ws.read('reports/board-review.md')).toBe(report);
  }, 120_000);
});
