// SARIF results become issue records: levels error->MAJOR, warning->MINOR,
// note->INFO (rule default, else warning, when absent), workspace-relative
// paths whatever the URI form, stable unique keys, closed results left out.
import { describe, expect, it } from 'vitest';
import { parseSarif, sarifRecords } from '../../runners/sonarflow/sarif.js';
import type { SarifRun } from '../../runners/sonarflow/sarif.js';

const ROOT = '/home/dev/project';

const run: SarifRun = {
  tool: {
    driver: {
      name: 'ESLint',
      rules: [
        { id: 'no-unused-vars', properties: { tags: ['maintainability'] } },
        {
          id: 'eqeqeq',
          defaultConfiguration: { level: 'error' },
          messageStrings: { default: { text: 'Expected {0} and saw {1}.' } },
        },
      ],
    },
  },
  originalUriBaseIds: { SRCROOT: { uri: 'file:///home/dev/project/' } },
  artifacts: [{ location: { uri: 'file:///home/dev/project/src/engine/run.ts' } }],
  results: [
    {
      ruleId: 'no-unused-vars',
      ruleIndex: 0,
      level: 'error',
      message: { text: "'x' is unused." },
      locations: [loc({ index: 0 }, 12)],
    },
    {
      ruleIndex: 1,
      message: { id: 'default', arguments: ['===', '=='] },
      locations: [loc({ uri: 'src/cli/main.ts', uriBaseId: 'SRCROOT' }, 3)],
    },
    {
      ruleId: 'no-unused-vars',
      level: 'warning',
      message: { text: 'w' },
      locations: [loc({ uri: 'lib/a%20b.ts' }, 1)],
    },
    { ruleId: 'custom', level: 'note', message: { text: 'n' }, locations: [loc({ uri: 'file:///elsewhere/x.ts' }, 2)] },
    { ruleId: 'custom', message: { text: 'no level' } },
    { ruleId: 'custom', level: 'error', message: { text: 'fixed' }, baselineState: 'absent' },
    { ruleId: 'custom', level: 'error', message: { text: 'ok' }, kind: 'pass' },
    { ruleId: 'custom', level: 'error', message: { text: 'waived' }, suppressions: [{ status: 'accepted' }] },
    { ruleId: 'custom', level: 'error', message: { text: 'twice' }, locations: [loc({ uri: 'a.ts' }, 5)] },
    { ruleId: 'custom', level: 'error', message: { text: 'twice' }, locations: [loc({ uri: 'a.ts' }, 5)] },
  ],
};

function loc(artifactLocation: { uri?: string; uriBaseId?: string; index?: number }, startLine: number) {
  return { physicalLocation: { artifactLocation, region: { startLine, startColumn: 1 } } };
}

describe('SARIF records', () => {
  const records = sarifRecords(run, ROOT);

  it('keeps open results only, with severities from levels', () => {
    expect(records.map((r) => [r.rule, r.severity, r.file, r.line, r.message])).toEqual([
      ['no-unused-vars', 'MAJOR', 'src/engine/run.ts', 12, "'x' is unused."],
      ['eqeqeq', 'MAJOR', 'src/cli/main.ts', 3, 'Expected === and saw ==.'],
      ['no-unused-vars', 'MINOR', 'lib/a b.ts', 1, 'w'],
      ['custom', 'INFO', '/elsewhere/x.ts', 2, 'n'],
      ['custom', 'MINOR', '', null, 'no level'],
      ['custom', 'MAJOR', 'a.ts', 5, 'twice'],
      ['custom', 'MAJOR', 'a.ts', 5, 'twice'],
    ]);
  });

  it('fills the record fields', () => {
    expect(records[0]).toEqual({
      key: expect.stringMatching(/^sarif-[0-9a-f]{20}$/),
      rule: 'no-unused-vars',
      severity: 'MAJOR',
      type: 'CODE_SMELL',
      component: 'src/engine/run.ts',
      file: 'src/engine/run.ts',
      line: 12,
      message: "'x' is unused.",
      effort: null,
      tags: ['maintainability'],
    });
  });

  it('gives unique keys that stay the same from run to run', () => {
    const keys = records.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[6]).toBe(`${keys[5]}-2`);
    expect(sarifRecords(run, ROOT).map((r) => r.key)).toEqual(keys);
  });

  it('rejects a file that is not SARIF, naming it', () => {
    expect(() => parseSarif('{"version":"2.1.0"}', 'docs/x.sarif')).toThrow(
      'docs/x.sarif is not a SARIF log (no "runs" array)',
    );
    expect(() => parseSarif('nope', 'docs/x.sarif')).toThrow("docs/x.sarif:1:1: expected a value, found 'nope'");
  });
});
