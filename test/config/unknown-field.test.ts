import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

describe('an unknown field', () => {
  it('is an error on a stage, with the closest known field suggested', () => {
    const text = lines(
      'version: 1', //              1
      'pipelines:', //              2
      '  p:', //                    3
      '    stages:', //             4
      '      a:', //                5
      '        shell: "true"', //   6
      '      b:', //                7
      '        shell: "true"', //   8
      '        needz: [a]', //      9
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:9:9 pipelines.p.stages.b.needz is not a known field (did you mean "needs"?)',
        '  9 |         needz: [a]',
        '    |         ^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is an error at every level: top level, pipeline, cache block', () => {
    const text = lines(
      'version: 1', //                        1
      'defualts: {}', //                      2
      'pipelines:', //                        3
      '  p:', //                              4
      '    descripton: typo', //              5
      '    stages:', //                       6
      '      a:', //                          7
      '        shell: "true"', //             8
      '        cache: { polcy: never }', //   9
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:2:1 defualts is not a known field (did you mean "defaults"?)',
        '  2 | defualts: {}',
        '    | ^^^^^^^^^^^^',
        'pipelines.yaml:5:5 pipelines.p.descripton is not a known field (did you mean "description"?)',
        '  5 |     descripton: typo',
        '    |     ^^^^^^^^^^^^^^^^',
        'pipelines.yaml:9:18 pipelines.p.stages.a.cache.polcy is not a known field (did you mean "policy"?)',
        '  9 |         cache: { polcy: never }',
        '    |                  ^^^^^^^^^^^^',
        '3 problems in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('gets no suggestion when nothing known is close', () => {
    const text = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      a:',
      '        shell: "true"',
      '        frobnicate: 3',
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:9 pipelines.p.stages.a.frobnicate is not a known field',
        '  7 |         frobnicate: 3',
        '    |         ^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 from exec with the suggestion', async () => {
      ws = new Workspace();
      ws.write(
        'pipelines.yaml',
        lines('version: 1', 'pipelines:', '  p:', '    stages:', '      a:', '        shel: "true"'),
      );
      const result = await ws.run(['exec', 'p']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        [
          'pipelines.yaml:5:7 pipelines.p.stages.a needs run (path/to/module.ts#export) or shell (a command)',
          '  5 |       a:',
          '    |       ^^',
          'pipelines.yaml:6:9 pipelines.p.stages.a.shel is not a known field (did you mean "shell"?)',
          '  6 |         shel: "true"',
          '    |         ^^^^^^^^^^^^',
          '2 problems in pipelines.yaml',
          '',
        ].join('\n'),
      );
    });
  });
});
