// evaluate (heuristic): blockers. "blocked by", "waiting on", "on hold" ...
// or a bullet under a Blockers heading make a task blocked, whatever its
// boxes say; negations, resolved items and code blocks do not.
import { describe, expect, it } from 'vitest';
import { assess } from '../../runners/boardrev/heuristic.js';
import { defaultRules } from '../../runners/boardrev/rules.js';
import { matchRecord } from './helpers.js';

const rules = defaultRules();
const blockersOf = (body: string): string[] =>
  assess(matchRecord({ status: 'in-progress', body }), rules).evaluation.blockers;

describe('heuristic: blocker words', () => {
  it.each([
    'Blocked by the warehouse API.',
    'We are waiting on legal.',
    'Waiting for the 2.0 release',
    'On hold until Q3.',
    'Blocker: no test machine',
    'Cannot start until #12 lands',
    'Depends on #42',
  ])('finds "%s"', (line) => {
    expect(blockersOf(`- [x] started\n${line}\n`)).toEqual([line]);
  });

  it('reads every bullet under a Blockers heading, with its continuation lines', () => {
    const body =
      '## Blockers\n\n- The vendor SDK has no\n  Node 20 build.\n- [ ] Security review\n\n## Notes\n- not a blocker\n';
    expect(blockersOf(body)).toEqual(['The vendor SDK has no Node 20 build.', 'Security review']);
  });

  it('reads a blocker sentence wrapped over lines as one', () => {
    expect(
      blockersOf('Some context.\n\nThis is blocked by the vendor,\nwho has not shipped the SDK.\n- [ ] next'),
    ).toEqual(['This is blocked by the vendor, who has not shipped the SDK.']);
  });

  it('ignores negations, resolved items, an empty Blockers section and code blocks', () => {
    const body = [
      'Nothing blocks this; no blockers.',
      'It is not blocked by anything.',
      '- [x] Was blocked by the API (fixed)',
      '- ~~Waiting on design~~',
      '## Blockers',
      '- None',
      '```',
      'blocked by: example text',
      '```',
    ].join('\n');
    expect(blockersOf(body)).toEqual([]);
  });

  it('makes the task blocked even with progress, and says so first', () => {
    const { evaluation } = assess(
      matchRecord({ status: 'in-progress', body: '- [x] one\n- [ ] two\nBlocked by ops.' }),
      rules,
    );
    expect(evaluation.inferredStatus).toBe('blocked');
    expect(evaluation.actions).toEqual([
      'set status to blocked (declared in-progress), or add the evidence for in-progress',
      'in-progress: blocked: Blocked by ops.',
    ]);
  });
});
