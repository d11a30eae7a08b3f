// report: board-review.md has the counts by status (declared and
// inferred), a table of the tasks whose inferred status disagrees with the
// declared one (most confident first), and one section per task; it is a
// function of the records alone: any order in, the same bytes out, no
// timestamps.
import { describe, expect, it } from 'vitest';
import { evaluationRecord } from '../../runners/boardrev/evaluate.js';
import { assess } from '../../runners/boardrev/heuristic.js';
import { renderReport } from '../../runners/boardrev/report.js';
import { parseProcess } from '../../runners/boardrev/rules.js';
import type { EvaluationRecord } from '../../runners/boardrev/types.js';
import { fixtureMatches } from './helpers.js';

async function fixtureEvaluations(): Promise<EvaluationRecord[]> {
  const { rules } = parseProcess('## Done\n- (`boxes-all-checked`) (`code-exists`) (`no-blockers`)\n');
  return (await fixtureMatches()).map((match) => {
    const assessment = assess(match, rules);
    return evaluationRecord(match, assessment, assessment.evaluation, 'heuristic');
  });
}

const options = { board: 'examples/board', out: 'reports' };

describe('report shape', () => {
  it('has a header, counts by status, disagreements and per-task sections, in that order', async () => {
    const text = renderReport(await fixtureEvaluations(), options);
    const headings = text.split('\n').filter((line) => line.startsWith('#'));
    expect(headings).toEqual([
      '# Board review',
      '## Counts by status',
      '## Disagreements',
      '## Tasks',
      '### Cart total with discount (`cart-total`)',
      '### Reserve stock for open carts (`inventory`)',
      '### Refund a payment (`refunds`)',
      '### Estimate shipping costs (`shipping`)',
    ]);
    expect(text).toContain('4 tasks in `examples/board`; 3 disagree with the evidence. Evaluated by heuristic.');
  });

  it('counts declared and inferred statuses', async () => {
    const text = renderReport(await fixtureEvaluations(), options);
    const table = text.slice(text.indexOf('| status |'), text.indexOf('## Disagreements')).trim().split('\n');
    expect(table).toEqual([
      '| status | declared | inferred |',
      '|---|---:|---:|',
      '| todo | 1 | 0 |',
      '| in-progress | 1 | 1 |',
      '| review | 0 | 1 |',
      '| done | 2 | 1 |',
      '| blocked | 0 | 1 |',
      '| **total** | 4 | 4 |',
    ]);
  });

  it('lists the disagreeing tasks, most confident first, with links relative to the report', async () => {
    const text = renderReport(await fixtureEvaluations(), options);
    const rows = text.slice(text.indexOf('| task |'), text.indexOf('## Tasks')).trim().split('\n').slice(2);
    expect(rows.map((row) => row.split(' | ').slice(0, 3))).toEqual([
      ['| [Reserve stock for open carts](../examples/board/inventory.md)', 'in-progress', 'blocked'],
      ['| [Refund a payment](../examples/board/refunds.md)', 'todo', 'review'],
      ['| [Estimate shipping costs](../examples/board/shipping.md)', 'done', 'in-progress'],
    ]);
    const confidences = rows.map((row) => Number(row.split(' | ')[3]));
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    expect(rows[2]).toContain('| done: 1 of 2 acceptance items are unchecked |');
  });

  it('details each task: status, summary, actions, blockers and evidence', async () => {
    const text = renderReport(await fixtureEvaluations(), options);
    const inventory = text.slice(text.indexOf('### Reserve stock'), text.indexOf('### Refund'));
    expect(inventory).toContain('- Status: declared **in-progress**, inferred **blocked** (confidence ');
    expect(inventory).toContain(
      '- Blockers:\n  - Blocked by the warehouse API, which has no endpoint for expiries yet.\n',
    );
    expect(inventory).toContain('  - `reserveStock`: found at `src/inventory.ts:8` (declared)\n');
    expect(inventory).toContain('  - `expireReservations`: not found\n');
    expect(inventory).toMatch(/ {2}- closest code: `src\/inventory\.ts:1-\d+` \(0\.\d\d\)/);
  });

  it('is deterministic: the same bytes for the records in any order, and no timestamps', async () => {
    const records = await fixtureEvaluations();
    const text = renderReport(records, options);
    expect(renderReport([...records].reverse(), options)).toBe(text);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says so when every status agrees, and lists duplicate ids and problems', () => {
    const base = {
      path: 'examples/board/a.md',
      title: 'A',
      status: 'done',
      priority: 'P3',
      labels: [],
      problems: [],
      inferredStatus: 'done' as const,
    };
    const evidence = { boxes: { checked: 1, total: 1 }, files: [], terms: [], matches: [], violations: [] };
    const record = {
      ...base,
      id: 'a',
      confidence: 0.5,
      summary: 's',
      reason: 'r',
      actions: [],
      blockers: [],
      disagrees: false,
      evaluator: 'heuristic',
      evidence,
    };
    const text = renderReport(
      [record, { ...record, path: 'examples/board/b.md', problems: ['unknown priority "soon" (known: P0 to P4)'] }],
      options,
    );
    expect(text).toContain("Every task's declared status agrees with the evidence.");
    expect(text).toContain(
      '## Problems\n\n- id `a` is used by 2 tasks: `examples/board/a.md`, `examples/board/b.md`\n- `examples/board/b.md`: unknown priority "soon" (known: P0 to P4)\n',
    );
  });
});
