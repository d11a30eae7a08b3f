import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('a stage with neither run nor shell', () => {
  it('is an error at the stage, saying what it needs', () => {
    const text = lines(
      'version: 1', //          1
      'pipelines:', //          2
      '  p:', //                3
      '    stages:', //         4
      '      a:', //            5
      '        shell: "true"', // 6
      '      b:', //            7
      '        needs: [a]', //  8
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:7 pipelines.p.stages.b needs run (path/to/module.ts#export) or shell (a command)',
        '  7 |       b:',
        '    |       ^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is an error for an empty stage too', () => {
    const text = lines('version: 1', 'pipelines:', '  p:', '    stages:', '      a:');
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:5:7 pipelines.p.stages.a must be a stage mapping with run or shell',
        '  5 |       a:',
        '    |       ^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });
});
