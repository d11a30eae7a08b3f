import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const TEXT = lines(
  'version: 1', //                      1
  'pipelines:', //                      2
  '  p:', //                            3
  '    stages:', //                     4
  '      compile:', //                  5
  '        shell: "true"', //           6
  '      bundle:', //                   7
  '        needs: [compile, complie]', // 8
  '        shell: "true"', //           9
);

describe('needs naming an unknown stage', () => {
  it('points at the bad entry and suggests the closest stage', () => {
    expect(diagnose(TEXT)).toBe(
      [
        'pipelines.yaml:8:26 pipelines.p.stages.bundle.needs[1] names no stage "complie" of pipeline p (did you mean "compile"?)',
        '  8 |         needs: [compile, complie]',
        '    |                          ^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('does not find stages of another pipeline', () => {
    const text = lines(
      'version: 1', //                 1
      'pipelines:', //                 2
      '  p:', //                       3
      '    stages:', //                4
      '      a: { shell: "true" }', // 5
      '  q:', //                       6
      '    stages:', //                7
      '      b:', //                   8
      '        needs:', //             9
      '          - a', //              10
      '        shell: "true"', //      11
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:10:13 pipelines.q.stages.b.needs[0] names no stage "a" of pipeline q',
        '  10 |           - a',
        '     |             ^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 from validate', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['validate']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        [
          'pipelines.yaml:8:26 pipelines.p.stages.bundle.needs[1] names no stage "complie" of pipeline p (did you mean "compile"?)',
          '  8 |         needs: [compile, complie]',
          '    |                          ^^^^^^^',
          '1 problem in pipelines.yaml',
          '',
        ].join('\n'),
      );
    });
  });
});
