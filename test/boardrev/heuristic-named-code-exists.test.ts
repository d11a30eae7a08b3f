// evaluate (heuristic): the code a task names. A `done` task naming a
// symbol, flag or source file the index does not have is not done; files
// outside the indexed sources are no evidence either way; an unchecked item
// whose named code all exists counts as progress.
import { describe, expect, it } from 'vitest';
import { assess } from '../../runners/boardrev/heuristic.js';
import { defaultRules } from '../../runners/boardrev/rules.js';
import { matchRecord } from './helpers.js';

const rules = defaultRules();

describe('heuristic: named code exists', () => {
  it('keeps done when everything named is found', () => {
    const task = matchRecord({
      status: 'done',
      body: '- [x] `parseConfig` reads `--config`',
      found: ['parseConfig', '--config'],
    });
    const { evaluation, violations } = assess(task, rules);
    expect([evaluation.inferredStatus, violations]).toEqual(['done', []]);
  });

  it('flags done naming a symbol that does not exist', () => {
    const task = matchRecord({
      status: 'done',
      body: '- [x] `parseConfig` and `loadPlugins()`',
      found: ['parseConfig'],
    });
    const { evaluation, violations } = assess(task, rules);
    expect(evaluation.inferredStatus).toBe('in-progress');
    expect(violations).toEqual(['done: not found in the indexed sources: `loadPlugins()`']);
  });

  it('flags done naming a source file that is missing, not one outside the sources', () => {
    const body = '- [x] edit `src/a.ts` and `package.json`';
    const missing = matchRecord({
      status: 'done',
      body,
      files: [
        { path: 'src/a.ts', via: 'mention', state: 'missing' },
        { path: 'package.json', via: 'mention', state: 'outside' },
      ],
    });
    expect(assess(missing, rules).violations).toEqual(['done: not found in the indexed sources: `src/a.ts`']);
    const outside = matchRecord({
      status: 'done',
      body,
      files: [
        { path: 'src/a.ts', via: 'mention', state: 'found' },
        { path: 'package.json', via: 'mention', state: 'outside' },
      ],
    });
    expect(assess(outside, rules).violations).toEqual([]);
  });

  it('counts an unchecked item whose named code exists as progress, an item naming only a file as not', () => {
    const implemented = matchRecord({
      status: 'todo',
      body: '- [ ] add `retryFetch`\n- [ ] add `newThing`',
      found: ['retryFetch'],
    });
    expect(assess(implemented, rules).evaluation.inferredStatus).toBe('in-progress');
    const fileOnly = matchRecord({
      status: 'todo',
      body: '- [ ] change `src/a.ts`',
      files: [{ path: 'src/a.ts', via: 'mention', state: 'found' }],
    });
    expect(assess(fileOnly, rules).evaluation.inferredStatus).toBe('todo');
  });

  it('ignores plain words in backticks', () => {
    const task = matchRecord({ status: 'done', body: '- [x] set `status` to `done` in the `yaml`' });
    expect(assess(task, rules).evidence.terms).toEqual([]);
  });
});
