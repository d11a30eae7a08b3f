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
