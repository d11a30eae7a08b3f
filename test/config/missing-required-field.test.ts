import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('a missing required field', () => {
  it('names the mapping it is missing from and the field', () => {
    const text = lines(
      'version: 1', //     1
      'pipelines:', //     2
      '  p:', //           3
      '    description: no stages here', // 4
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:3:3 pipelines.p is missing the required field "stages"',
        '  3 |   p:',
        '    |   ^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('reports a missing top-level field at the top of the file', () => {
    const text = lines(
      'pipelines:', //     1
      '  p:', //           2
      '    stages:', //    3
      '      a:', //       4
      '        shell: "true"', // 5
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:1:1 is missing the required field "version"',
        '  1 | pipelines:',
        '    | ^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('reports an empty file without a position', () => {
    expect(diagnose('')).toBe(
      ['pipelines.yaml must be a mapping with version and pipelines', '1 problem in pipelines.yaml'].join('\n'),
    );
  });
});
