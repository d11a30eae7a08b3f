import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('a foreach that names no upstream stage', () => {
  it('points at foreach and suggests the closest stage', () => {
    const text = lines(
      'version: 1', //                  1
      'pipelines:', //                  2
      '  p:', //                        3
      '    stages:', //                 4
      '      scan:', //                 5
      '        run: scan.ts#scan', //   6
      '      embed:', //                7
      '        run: embed.ts#embed', // 8
      '        foreach: scna', //       9
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:9:9 pipelines.p.stages.embed.foreach names no upstream stage "scna" of pipeline p (did you mean "scan"?)',
        '  9 |         foreach: scna',
        '    |         ^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('may not name the stage itself', () => {
    const text = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      embed:',
      '        run: embed.ts#embed',
      '        foreach: embed',
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:9 pipelines.p.stages.embed.foreach names the stage itself; foreach takes an upstream stage',
        '  7 |         foreach: embed',
        '    |         ^^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is valid when it names a stage of the pipeline', () => {
    const text = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      scan: { run: scan.ts#scan }',
      '      embed:',
      '        run: embed.ts#embed',
      '        foreach: scan',
    );
    expect(diagnose(text)).toBe('');
  });
});
