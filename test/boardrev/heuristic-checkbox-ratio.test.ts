// evaluate (heuristic): the acceptance checkboxes. All checked reads as
// done, some as in-progress, none as todo; `done` with unchecked boxes is
// flagged with how many; confidence grows with the number of boxes.
import { describe, expect, it } from 'vitest';
import { assess } from '../../runners/boardrev/heuristic.js';
import { defaultRules } from '../../runners/boardrev/rules.js';
import { matchRecord } from './helpers.js';

const rules = defaultRules();
const boxes = (checked: number, unchecked: number): string =>
  [
    ...Array.from({ length: checked }, (_, i) => `- [x] step ${i}`),
    ...Array.from({ length: unchecked }, (_, i) => `- [ ] later ${i}`),
  ].join('\n');

describe('heuristic: checkbox completion', () => {
  it('infers done, in-progress or todo from the ratio', () => {
    expect(assess(matchRecord({ status: 'done', body: boxes(3, 0) }), rules).evaluation.inferredStatus).toBe('done');
    expect(assess(matchRecord({ status: 'done', body: boxes(1, 2) }), rules).evaluation.inferredStatus).toBe(
      'in-progress',
    );
    expect(assess(matchRecord({ status: 'todo', body: boxes(0, 3) }), rules).evaluation.inferredStatus).toBe('todo');
    expect(assess(matchRecord({ status: 'todo', body: 'No checklist at all.' }), rules).evaluation.inferredStatus).toBe(
      'todo',
    );
  });

  it('flags done with unchecked boxes, saying how many', () => {
    const { evaluation, violations } = assess(matchRecord({ status: 'done', body: boxes(2, 3) }), rules);
    expect(violations).toEqual(['done: 3 of 5 acceptance items are unchecked']);
    expect(evaluation.actions[0]).toBe('set status to in-progress (declared done), or add the evidence for done');
    expect(evaluation.summary).toBe(
      '2/5 acceptance items checked; names no code; no blockers: looks in-progress, declared done.',
    );
  });

  it('accepts `*`, `+` and numbered checkboxes, upper-case X, and ignores boxes in code blocks', () => {
    const body = '* [X] a\n+ [ ] b\n1. [x] c\n```md\n- [ ] not a task item\n```\n';
    const { evidence } = assess(matchRecord({ status: 'in-progress', body }), rules);
    expect(evidence.boxes).toEqual({ checked: 2, total: 3 });
  });

  it('is more confident with more boxes', () => {
    const few = assess(matchRecord({ status: 'todo', body: boxes(0, 1) }), rules).evaluation.confidence;
    const many = assess(matchRecord({ status: 'todo', body: boxes(0, 5) }), rules).evaluation.confidence;
    expect(few).toBeLessThan(many);
    expect(assess(matchRecord({ status: 'todo', body: '' }), rules).evaluation.confidence).toBe(0.3);
  });
});
