// A task file's links to the copies work whatever the copies' file names
// hold: a space, parentheses, `#`, `|` or `%` in a path would end the link,
// start its fragment or split the table row, so they are percent-encoded in
// the link; letters of any script stay as they are.
import { describe, expect, it } from 'vitest';
import { renderTask } from '../../runners/simtask/task-render.js';
import { fixturePlans } from './helpers.js';

const LINK = /\]\(([^\s()]+)\)/;

describe('task file links', () => {
  it('lead to files whose names hold spaces, parentheses, #, | and %', async () => {
    const [plan] = await fixturePlans();
    if (!plan) throw new Error('the fixture has no cluster');
    const files = ['src/old code/copy (2).ts', 'src/a#b|c%d.ts', 'src/ünïcødé/深い.ts'];
    const record = {
      ...plan,
      members: plan.members.slice(0, files.length).map((m, i) => ({ ...m, file: files[i] as string })),
    };
    const { body } = renderTask(record, 'tasks/simtask');
    const rows = body.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    expect(rows).toHaveLength(files.length);
    for (const [i, row] of rows.entries()) {
      // Seven cells: no `|` of a path splits the row.
      expect(row.replace(/\\\|/g, '').split('|').length - 2, row).toBe(7);
      const destination = LINK.exec(row)?.[1] ?? '';
      const [target, fragment] = destination.split('#');
      expect(decodeURIComponent(target ?? ''), row).toBe(`../../${files[i]}`);
      expect(fragment).toMatch(/^L\d+-L\d+$/);
    }
    expect(rows[2]).toContain('](../../src/ünïcødé/深い.ts#L');
  });
});
