// End to end through the CLI on the fixture shop: a second run reuses
// every stage (frontmatter too: it edits the board in place, and is cached
// under the key of the board as it left it); editing one task repairs its
// front matter if it lost some, and re-matches and re-evaluates that task
// only; a task reverted to its unrepaired text is repaired again.
import { afterEach, describe, expect, it } from 'vitest';
import { lastRunRecord, outcomes } from '../e2e/rig.js';
import type { Workspace } from '../e2e/rig.js';
import { boardrevWorkspace, items } from './helpers.js';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.remove();
  ws = undefined;
});

describe('boardrev: edit one task', () => {
  it('re-matches and re-evaluates only the edited task', async () => {
    ws = boardrevWorkspace();
    const first = await ws.run(['exec', 'boardrev', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const firstRecord = lastRunRecord(ws);
    expect(items(firstRecord, 'match')).toEqual({ total: 4, done: 4, cached: 0, failed: 0 });
    expect(items(firstRecord, 'evaluate')).toEqual({ total: 4, done: 4, cached: 0, failed: 0 });
    const report = ws.read('reports/board-review.md');
    expect(report).toContain('4 tasks in `examples/board`; 3 disagree with the evidence.');

    const second = await ws.run(['exec', 'boardrev', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes(second.events)).toEqual({
      frontmatter: 'cached',
      rules: 'cached',
      index: 'cached',
      match: 'cached',
      evaluate: 'cached',
      report: 'cached',
    });
    expect(ws.read('reports/board-review.md')).toBe(report);

    // Tick the second box of refunds and drop its front matter's priority line.
    const refunds = ws.read('examples/board/refunds.md');
    ws.write(
      'examples/board/refunds.md',
      refunds.replace('priority: P2\n', '').replace('- [ ] It refuses', '- [x] It refuses'),
    );
    const third = await ws.run(['exec', 'boardrev', '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(outcomes(third.events)).toMatchObject({
      rules: 'cached',
      index: 'cached',
      match: 'ran',
      evaluate: 'ran',
      report: 'ran',
    });
    const record = lastRunRecord(ws);
    expect(outcomes(third.events).frontmatter).toBe('ran');
    expect(items(record, 'frontmatter')).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
    expect(items(record, 'match')).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
    expect(items(record, 'evaluate')).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
    expect(ws.read('examples/board/refunds.md')).toBe(
      refunds
        .replace('priority: P2\n', '')
        .replace('- [ ] It refuses', '- [x] It refuses')
        .replace('status: todo\n', 'status: todo\npriority: P3\n'),
    );
    expect(ws.read('reports/board-review.md')).toContain('acceptance items checked: 1/2');

    const repaired = ws.read('examples/board/refunds.md');

    // The repaired board is where frontmatter left it: everything is cached.
    const fourth = await ws.run(['exec', 'boardrev', '--json']);
    expect(outcomes(fourth.events)).toEqual({
      frontmatter: 'cached',
      rules: 'cached',
      index: 'cached',
      match: 'cached',
      evaluate: 'cached',
      report: 'cached',
    });

    // Back to the unrepaired text: no entry has that key, so it is repaired again. The
    // repair gives the record it gave before: nothing downstream reruns.
    ws.write(
      'examples/board/refunds.md',
      refunds.replace('priority: P2\n', '').replace('- [ ] It refuses', '- [x] It refuses'),
    );
    const fifth = await ws.run(['exec', 'boardrev', '--json']);
    expect(outcomes(fifth.events)).toEqual({
      frontmatter: 'ran',
      rules: 'cached',
      index: 'cached',
      match: 'cached',
      evaluate: 'cached',
      report: 'cached',
    });
    expect(items(lastRunRecord(ws), 'frontmatter')).toEqual({ total: 4, done: 4, cached: 3, failed: 0 });
    expect(ws.read('examples/board/refunds.md')).toBe(repaired);
  });
});
