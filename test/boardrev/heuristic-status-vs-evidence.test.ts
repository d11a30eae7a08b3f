// evaluate (heuristic): the declared status against the evidence, under
// the process rules. A todo whose acceptance items all appear implemented
// reads as review; review agrees with done; an unknown status always
// disagrees; a process document's own rules change the inference.
import { describe, expect, it } from 'vitest';
import { agrees, assess } from '../../runners/boardrev/heuristic.js';
import { defaultRules, parseProcess } from '../../runners/boardrev/rules.js';
import { matchRecord } from './helpers.js';

const rules = defaultRules();

describe('heuristic: status against evidence', () => {
  it('reads a todo whose items all appear implemented as review', () => {
    const task = matchRecord({
      status: 'todo',
      body: '- [ ] `retryFetch` retries\n- [ ] `--retries` sets the count',
      found: ['retryFetch', '--retries'],
    });
    const { evaluation } = assess(task, rules);
    expect(evaluation.inferredStatus).toBe('review');
    expect(evaluation.summary).toBe(
      '0/2 acceptance items checked; 2 unchecked items name code that exists; 2/2 named files and symbols found; no blockers: looks review, declared todo.',
    );
  });

  it('lets review agree with done, and nothing else disagree silently', () => {
    expect(agrees('review', 'done')).toBe(true);
    expect(agrees('done', 'review')).toBe(false);
    expect(agrees('todo', 'in-progress')).toBe(false);
    expect(agrees('blocked', 'blocked')).toBe(true);
  });

  it('always disagrees with an unknown status, and says what to do', () => {
    const { evaluation } = assess(matchRecord({ status: 'someday', body: '- [ ] x' }), rules);
    expect(agrees('someday', evaluation.inferredStatus)).toBe(false);
    expect(evaluation.actions[0]).toBe(
      'replace the unknown status "someday" with one of blocked, done, review, in-progress, todo',
    );
  });

  it("follows the process document's rules", () => {
    const task = matchRecord({ status: 'done', body: '- [x] `gone()` shipped', found: [] });
    expect(assess(task, rules).evaluation.inferredStatus).toBe('in-progress');
    const lenient = parseProcess('## Done\n- Every acceptance item is checked (`boxes-all-checked`).\n').rules;
    const { evaluation, violations } = assess(task, lenient);
    expect([evaluation.inferredStatus, violations]).toEqual(['done', []]);
  });
});
