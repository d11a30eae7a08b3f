import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('a tab used for indentation', () => {
  it('is a syntax error at the line and column of the tab', () => {
    const text = lines(
      'version: 1', //              1
      'pipelines:', //              2
      '  p:', //                    3
      '    stages:', //             4
      '      a:', //                5
      '\tshell: "true"', //         6
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:6:1 YAML syntax error: Tabs are not allowed as indentation',
        // The excerpt shows the tab as one space, so the caret stays under column 1.
        '  6 |  shell: "true"',
        '    | ^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is found after spaces too', () => {
    const text = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      a:',
      '        shell: "true"',
      '  \tneeds: []',
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:3 YAML syntax error: Tabs are not allowed as indentation',
        '  7 |    needs: []',
        '    |   ^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });
});
