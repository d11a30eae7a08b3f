import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('a stage with both run and shell', () => {
  it('is an error at the stage', () => {
    const text = lines(
      'version: 1', //                      1
      'pipelines:', //                      2
      '  p:', //                            3
      '    stages:', //                     4
      '      build:', //                    5
      '        run: tools/build.ts#build', // 6
      '        shell: "make"', //           7
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:5:7 pipelines.p.stages.build has both run and shell; a stage runs either a module (run) or a command (shell)',
        '  5 |       build:',
        '    |       ^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });
});
