// YAML syntax errors: reported at the line and column the parser stops at.
// Each row is pipelines.yaml text in and exactly what the CLI prints out.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { byName, type DiagnosticCase, diagnose, expectedOutput, lines } from './helpers.js';

const BAD_INDENTATION = lines(
  'version: 1', //              1
  'pipelines:', //              2
  '  p:', //                    3
  '    stages:', //             4
  '      a:', //                5
  '        shell: "true"', //   6
  '       needs: [b]', //       7  one space short of its siblings
);

const BAD_INDENTATION_EXPECTED = [
  'pipelines.yaml:7:8 YAML syntax error: All mapping items must start at the same column',
  '  7 |        needs: [b]',
  '    |        ^^^^^^^^^^',
  '1 problem in pipelines.yaml',
];

const cases: DiagnosticCase[] = [
  {
    name: 'bad indentation: is a syntax error at the line and column of the misplaced item',
    text: BAD_INDENTATION,
    expected: BAD_INDENTATION_EXPECTED,
  },
  {
    name: 'a tab used for indentation: is a syntax error at the line and column of the tab',
    text: lines(
      'version: 1', //              1
      'pipelines:', //              2
      '  p:', //                    3
      '    stages:', //             4
      '      a:', //                5
      '\tshell: "true"', //         6
    ),
    expected: [
      'pipelines.yaml:6:1 YAML syntax error: Tabs are not allowed as indentation',
      // The excerpt shows the tab as one space, so the caret stays under column 1.
      '  6 |  shell: "true"',
      '    | ^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    name: 'a tab used for indentation: is found after spaces too',
    text: lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      a:',
      '        shell: "true"',
      '  \tneeds: []',
    ),
    expected: [
      'pipelines.yaml:7:3 YAML syntax error: Tabs are not allowed as indentation',
      '  7 |    needs: []',
      '    |   ^',
      '1 problem in pipelines.yaml',
    ],
  },
  {
    // Found by the seeded mutator (fuzz-pipelines-yaml.test.ts): the schema saw a Buffer's methods as the fields of `cache`.
    name: 'a value a YAML tag makes into binary data, a timestamp or a set: said at its line and column, once',
    text: lines(
      'version: 1', //                           1
      'pipelines:', //                           2
      '  p:', //                                 3
      '    stages:', //                          4
      '      a:', //                             5
      '        shell: !!timestamp 2001-12-14', //  6
      '        outputs: !!set { a, b }', //        7
      '        cache: !!binary eA==', //           8
    ),
    expected: [
      'pipelines.yaml:6:28 pipelines.p.stages.a.shell is a timestamp (!!timestamp): a field holds a string, a number, true or false, a list or a mapping',
      '  6 |         shell: !!timestamp 2001-12-14',
      '    |                            ^^^^^^^^^^',
      'pipelines.yaml:7:24 pipelines.p.stages.a.outputs is a set (!!set): a field holds a string, a number, true or false, a list or a mapping',
      '  7 |         outputs: !!set { a, b }',
      '    |                        ^^^^^^^^',
      'pipelines.yaml:8:25 pipelines.p.stages.a.cache is binary data (!!binary): a field holds a string, a number, true or false, a list or a mapping',
      '  8 |         cache: !!binary eA==',
      '    |                         ^^^^',
      '3 problems in pipelines.yaml',
    ],
  },
  {
    // Found by the seeded mutator: `!!binary x  minTokens: 20` was reported as the field "�h�N��" (the key's bytes).
    name: 'a key a YAML tag makes into binary data or a timestamp: said at its line and column',
    text: lines(
      'version: 1', //                        1
      'pipelines:', //                        2
      '  p:', //                              3
      '    !!binary eA==: 1', //              4
      '    stages:', //                       5
      '      ? !!timestamp 2001-12-14', //    6
      '      : { shell: "echo" }', //         7
    ),
    expected: [
      'pipelines.yaml:4:14 pipelines.p has a key that is binary data (!!binary): keys are plain names',
      '  4 |     !!binary eA==: 1',
      '    |              ^^^^',
      'pipelines.yaml:6:21 pipelines.p.stages has a key that is a timestamp (!!timestamp): keys are plain names',
      '  6 |       ? !!timestamp 2001-12-14',
      '    |                     ^^^^^^^^^^',
      '2 problems in pipelines.yaml',
    ],
  },
  {
    // Found by the seeded mutator: ` :` on a line of its own was "pipelines.yaml is not a known field", with no position.
    name: 'a key left out or empty: said where its colon is',
    text: lines(
      'version: 1', //                           1
      ': x', //                                  2
      'pipelines:', //                           3
      '  p:', //                                 4
      '    stages:', //                          5
      '      a: { shell: "echo", "": 2 }', //    6
      '      : 3', //                            7
    ),
    expected: [
      'pipelines.yaml:2:1 has a key that is empty: keys are plain names',
      '  2 | : x',
      '    | ^',
      'pipelines.yaml:6:27 pipelines.p.stages.a has a key that is empty: keys are plain names',
      '  6 |       a: { shell: "echo", "": 2 }',
      '    |                           ^^',
      'pipelines.yaml:7:7 pipelines.p.stages has a key that is empty: keys are plain names',
      '  7 |       : 3',
      '    |       ^',
      '3 problems in pipelines.yaml',
    ],
  },
];

describe('YAML syntax errors', () => {
  it.each(byName(cases))('%s', (_name, { text, options, expected }) => {
    expect(diagnose(text, options)).toBe(expectedOutput(expected));
  });
});

describe('through the CLI', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('bad indentation: exits 2 from exec', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', BAD_INDENTATION);
    const result = await ws.run(['exec', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${BAD_INDENTATION_EXPECTED.join('\n')}\n`);
  });
});
