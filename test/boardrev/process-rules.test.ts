// rules: the process document split at headings of level >= 2 into one
// rule per status; checks named in backticks, or (in a section naming
// none) in words; built-in rules for what the document does not cover, and
// for a missing document.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECKS, defaultRules, headingStatus, parseProcess, rules } from '../../runners/boardrev/rules.js';
import { REPO } from '../e2e/rig.js';
import { fakeContext } from './helpers.js';

describe('process rules', () => {
  it('splits at headings of level 2 and deeper, keeping deeper non-status headings inside a section', () => {
    const doc = [
      '# Our process', // level 1: the title, never a rule
      '- ignored bullet',
      '## Done',
      '- All boxes ticked (`boxes-all-checked`).',
      '### Examples', // deeper, not a status: still the Done section
      '- No blockers left (`no-blockers`).',
      '## Glossary', // same level, not a status: ends the section
      '- A box is a checkbox (`has-acceptance`).',
      '#### In review', // a status at any level >= 2
      '- Everything is in the code (`code-exists`)',
      '  and reviewed.',
    ].join('\n');
    const { rules: parsed } = parseProcess(doc);
    const byStatus = Object.fromEntries(parsed.map((r) => [r.status, r]));
    expect(byStatus.done).toMatchObject({
      heading: 'Done',
      line: 3,
      source: 'process',
      checks: ['boxes-all-checked', 'no-blockers'],
      notes: [],
    });
    expect(byStatus.review).toMatchObject({ heading: 'In review', line: 9, checks: ['code-exists'] });
    expect(byStatus.todo).toMatchObject({ source: 'default', heading: 'built-in', checks: DEFAULT_CHECKS.todo });
  });

  it('keeps bullets that name no check as notes, and reads a section without backticks in words', () => {
    const explicit = parseProcess(
      '## Done\n- Every box is checked (`boxes-all-checked`).\n- Tell the team.\n- Every acceptance item is checked.\n',
    ).rules;
    expect(explicit.find((r) => r.status === 'done')).toMatchObject({
      checks: ['boxes-all-checked'],
      notes: ['Tell the team.', 'Every acceptance item is checked.'],
    });
    const words = parseProcess(
      '## Done\n- Every acceptance item is checked.\n- Nothing blocks it.\n- The code it names exists in the repository.\n- Tell the team.\n',
    ).rules;
    expect(words.find((r) => r.status === 'done')).toMatchObject({
      checks: ['boxes-all-checked', 'no-blockers', 'code-exists'],
      notes: ['Tell the team.'],
    });
  });

  it('recognises status headings however they are written', () => {
    expect(
      ['Done', 'Status: in progress', '`review`', 'Blocked (waiting)', 'To do — not started'].map(headingStatus),
    ).toEqual(['done', 'in-progress', 'review', 'blocked', 'todo']);
    expect(headingStatus('Glossary')).toBeUndefined();
  });

  it('falls back to the built-in checks for a status section that names none', () => {
    const { rules: parsed, defaulted } = parseProcess('## Done\n- Celebrate.\n');
    expect(parsed.find((r) => r.status === 'done')).toMatchObject({
      source: 'process',
      checks: DEFAULT_CHECKS.done,
      notes: ['Celebrate.'],
    });
    expect(defaulted).toContain('done');
  });

  it('uses the built-in rules when the document is absent', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'boardrev-rules-'));
    try {
      const ctx = fakeContext({ root, params: { process: 'examples/process.md' } });
      expect(rules(ctx)).toEqual(defaultRules());
      expect(ctx.logs).toEqual(['examples/process.md does not exist: using the built-in rules']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads the repository's own examples/process.md without falling back", () => {
    const ctx = fakeContext({ root: REPO, params: { process: 'examples/process.md' } });
    const parsed = rules(ctx);
    expect(parsed.map((r) => [r.status, r.source, r.checks])).toEqual([
      ['todo', 'process', ['boxes-none-checked']],
      ['in-progress', 'process', ['progress', 'no-blockers']],
      ['review', 'process', ['work-complete', 'code-exists', 'no-blockers']],
      ['done', 'process', ['boxes-all-checked', 'code-exists', 'no-blockers']],
      ['blocked', 'process', ['has-blocker']],
    ]);
    expect(ctx.logs).toEqual([]);
  });
});
