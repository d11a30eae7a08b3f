import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/cache/why.js';
import { changeLines, renderExplain, whyLines } from '../../src/report/explain.js';

describe('explain rendering', () => {
  it('groups every kind of change under its heading, old -> new, secrets hidden', () => {
    const changes: Change[] = [
      { kind: 'input', file: 'in/new.txt', change: 'added' },
      { kind: 'input', file: 'in/old.txt', change: 'removed' },
      { kind: 'param', name: 'k', old: 8, new: 12 },
      { kind: 'env', name: 'MODE', old: 'fast', new: undefined, isSecret: false },
      { kind: 'env', name: 'API_TOKEN', isSecret: true },
      { kind: 'code', file: 'runners/a.ts', change: 'changed' },
      { kind: 'upstream', stage: 'scan' },
      { kind: 'definition', field: 'outputs', old: ['a'], new: ['b'] },
      { kind: 'version', old: '1', new: '2' },
      { kind: 'format' },
    ];
    expect(changeLines(changes)).toEqual([
      'inputs:',
      '  added    in/new.txt',
      '  removed  in/old.txt',
      'params:',
      '  k: 8 -> 12',
      'env:',
      '  MODE: "fast" -> (unset)',
      '  API_TOKEN: (secret changed)',
      'code:',
      '  changed  runners/a.ts',
      'upstream:',
      '  scan: its output changed',
      'definition:',
      '  outputs: ["a"] -> ["b"]',
      'cache:',
      '  version: "1" -> "2"',
      "  runner's cache format changed: every stage reruns once",
    ]);
  });

  it('explains the reasons that are not a key difference', () => {
    expect(whyLines({ reason: 'upstream-will-run', stage: 'scan' }, 'embed')).toEqual([
      'upstream scan will run first; the inputs, params, env and code of embed are unchanged',
    ]);
    expect(whyLines({ reason: 'ttl-expired', ageMs: 3.5 * 86_400_000 + 1234, ttlMs: 3 * 86_400_000 })).toEqual([
      'the cached result is 3.5d old; cache.ttl is 3d',
    ]);
    expect(whyLines({ reason: 'forced' })).toEqual([]);
  });

  it('prints a status line per stage and the difference under the ones that would run', () => {
    const text = renderExplain([
      {
        pipeline: 'p',
        stage: 'scan',
        wouldRun: false,
        action: 'cached',
        reason: 'unchanged',
        why: { reason: 'unchanged' },
      },
      {
        pipeline: 'p',
        stage: 'embed',
        wouldRun: true,
        action: 'run',
        reason: 'param changed: k',
        why: { reason: 'changed', changes: [{ kind: 'param', name: 'k', old: 1, new: 2 }] },
      },
    ]);
    expect(text).toBe(
      [
        'p/scan   cached      unchanged',
        'p/embed  would run   param changed: k',
        '    params:',
        '      k: 1 -> 2',
        '1 of 2 stages would run',
        '',
      ].join('\n'),
    );
  });
});
