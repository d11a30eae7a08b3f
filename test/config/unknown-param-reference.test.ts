import { describe, expect, it } from 'vitest';
import { diagnose, lines } from './helpers.js';

describe('an unknown ${params.x}', () => {
  it('points at the reference and lists the params the pipeline has', () => {
    const text = lines(
      'version: 1', //                                      1
      'pipelines:', //                                      2
      '  p:', //                                            3
      '    params: { root: src, out: dist }', //            4
      '    stages:', //                                     5
      '      build:', //                                    6
      '        inputs: ["${params.root}/**/*.ts"]', //      7
      '        shell: "tsc --outDir ${params.outt}"', //    8
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:8:30 pipelines.p.stages.build.shell uses ${params.outt}, but the pipeline has no param "outt" (params: root, out)',
        '  8 |         shell: "tsc --outDir ${params.outt}"',
        '    |                              ^^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('sees stage params as well as pipeline params', () => {
    const text = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      build:',
      '        params: { out: dist }',
      '        shell: "tsc --outDir ${params.out}"',
    );
    expect(diagnose(text)).toBe('');
  });

  it('is found in a list entry, with the index in the field path', () => {
    const text = lines(
      'version: 1', //                                           1
      'pipelines:', //                                           2
      '  p:', //                                                 3
      '    stages:', //                                          4
      '      build:', //                                         5
      '        shell: "true"', //                                6
      '        outputs: [out.txt, "${params.dir}/b.txt"]', //    7
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:29 pipelines.p.stages.build.outputs[1] uses ${params.dir}, but the pipeline has no param "dir" (params: none)',
        '  7 |         outputs: [out.txt, "${params.dir}/b.txt"]',
        '    |                             ^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });
});
