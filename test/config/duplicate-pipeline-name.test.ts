import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('duplicate pipeline names', () => {
  it('points at the second pipeline and names the line of the first', () => {
    const text = lines(
      'version: 1', //               1
      'pipelines:', //               2
      '  docs:', //                  3
      '    stages:', //              4
      '      a:', //                 5
      '        shell: "true"', //    6
      '  docs:', //                  7
      '    stages:', //              8
      '      b:', //                 9
      '        shell: "true"', //    10
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:3 pipelines.docs duplicate pipeline name "docs" (first defined at line 3)',
        '  7 |   docs:',
        '    |   ^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is reported in line order with the schema problems of the same file', () => {
    const text = lines(
      'version: 1', //               1
      'pipelines:', //               2
      '  docs:', //                  3
      '    stages:', //              4
      '      a:', //                 5
      '        shell: "true"', //    6
      '  docs:', //                  7
      '    stages:', //              8
      '      b:', //                 9
      '        shell: "true"', //    10
      '        concurrency: -1', //  11
      '  web:', //                   12
      '    stagez: {}', //           13
    );
    const printed = diagnose(text);
    const heads = printed.split('\n').filter((line) => line.startsWith('pipelines.yaml:'));
    expect(heads).toEqual([
      'pipelines.yaml:7:3 pipelines.docs duplicate pipeline name "docs" (first defined at line 3)',
      'pipelines.yaml:11:9 pipelines.docs.stages.b.concurrency must be an integer >= 1',
      'pipelines.yaml:12:3 pipelines.web is missing the required field "stages"',
      'pipelines.yaml:13:5 pipelines.web.stagez is not a known field (did you mean "stages"?)',
    ]);
    expect(printed.endsWith('\n4 problems in pipelines.yaml')).toBe(true);
  });
});
