// Statuses and priorities: the spellings people use map to one canonical
// value; frontmatter rewrites the value in place (nothing else on the
// line), and leaves an unknown one as it is, reported as a problem.
import { describe, expect, it } from 'vitest';
import { repairTaskFile } from '../../runners/boardrev/frontmatter.js';
import { normalisePriority, normaliseStatus } from '../../runners/boardrev/vocabulary.js';

const at = { path: 'examples/board/t.md', board: 'examples/board' };

describe('status normalisation', () => {
  it.each([
    ['todo', 'todo'],
    ['To Do', 'todo'],
    ['backlog', 'todo'],
    ['in progress', 'in-progress'],
    ['In_Progress', 'in-progress'],
    ['DOING', 'in-progress'],
    ['wip', 'in-progress'],
    ['in review', 'review'],
    ['In-Review', 'review'],
    ['review', 'review'],
    ['Done', 'done'],
    ['completed', 'done'],
    ['closed', 'done'],
    ['on hold', 'blocked'],
    ['Blocked', 'blocked'],
  ])('%s -> %s', (spelling, canonical) => {
    expect(normaliseStatus(spelling)).toBe(canonical);
  });

  it('knows nothing of made-up statuses', () => {
    expect(normaliseStatus('someday')).toBeUndefined();
    expect(normaliseStatus('')).toBeUndefined();
  });

  it('normalises priorities', () => {
    expect(['p1', '1', 'P1', 'high'].map((p) => normalisePriority(p))).toEqual(['P1', 'P1', 'P1', 'P1']);
    expect(normalisePriority(0)).toBe('P0');
    expect(normalisePriority('P7')).toBeUndefined();
  });

  it('rewrites a status spelled another way in place, keeping its comment', () => {
    const original = '---\nid: t\ntitle: T\nstatus: In Progress   # since Monday\npriority: p2\n---\nbody\n';
    const repair = repairTaskFile(original, at);
    expect(repair.text).toBe('---\nid: t\ntitle: T\nstatus: in-progress   # since Monday\npriority: P2\n---\nbody\n');
    expect(repair.changes).toEqual(['status In Progress -> in-progress', 'priority p2 -> P2']);
    expect(repair.record).toMatchObject({ status: 'in-progress', priority: 'P2' });
  });

  it('rewrites a quoted status with a plain value', () => {
    const repair = repairTaskFile('---\nid: t\ntitle: T\nstatus: "Doing"\npriority: P1\n---\n', at);
    expect(repair.text).toBe('---\nid: t\ntitle: T\nstatus: in-progress\npriority: P1\n---\n');
  });

  it('leaves an unknown status in the file and reports it', () => {
    const original = '---\nid: t\ntitle: T\nstatus: someday\npriority: P1\n---\n';
    const repair = repairTaskFile(original, at);
    expect(repair.isChanged).toBe(false);
    expect(repair.text).toBe(original);
    expect(repair.record.status).toBe('someday');
    expect(repair.record.problems).toEqual([
      'unknown status "someday" (known: todo, in-progress, review, done, blocked)',
    ]);
  });
});
