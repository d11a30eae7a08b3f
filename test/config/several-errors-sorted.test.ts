import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const TEXT = lines(
  'version: 1', //                        1
  'pipelines:', //                        2
  '  p:', //                              3
  '    stages:', //                       4
  '      a:', //                          5
  '        shell: "true"', //             6
  '        retries: -1', //               7
  '      b:', //                          8
  '        needs: [a, c]', //             9
  '        shell: "true"', //             10
  '        colour: red', //               11
  '      a:', //                          12
  '        run: a.ts#a', //               13
  '        shell: "true"', //             14
  '        concurrency: 0', //            15
);

const EXPECTED = [
  'pipelines.yaml:9:20 pipelines.p.stages.b.needs[1] names no stage "c" of pipeline p (did you mean "a"?)',
  '  9 |         needs: [a, c]',
  '    |                    ^',
  'pipelines.yaml:11:9 pipelines.p.stages.b.colour is not a known field',
  '  11 |         colour: red',
  '     |         ^^^^^^^^^^^',
  'pipelines.yaml:12:7 pipelines.p.stages.a duplicate stage name "a" (first defined at line 5)',
  '  12 |       a:',
  '     |       ^',
  'pipelines.yaml:12:7 pipelines.p.stages.a has both run and shell; a stage runs either a module (run) or a command (shell)',
  '  12 |       a:',
  '     |       ^^',
  'pipelines.yaml:15:9 pipelines.p.stages.a.concurrency must be an integer >= 1',
  '  15 |         concurrency: 0',
  '     |         ^^^^^^^^^^^^^^',
  '5 problems in pipelines.yaml',
].join('\n');

describe('several errors at once', () => {
  it('are all reported, sorted by line, whichever check found them', () => {
    expect(diagnose(TEXT)).toBe(EXPECTED);
  });

  it('from ${...} expansion are all reported in line order too', () => {
    const text = lines(
      'version: 1', //                       1
      'pipelines:', //                       2
      '  p:', //                             3
      '    stages:', //                      4
      '      a:', //                         5
      '        shell: "echo ${ONE}"', //     6
      '        inputs: ["${TWO}/*"]', //     7
      '        env:', //                     8
      '          X: "${THREE}"', //          9
      '        outputs: "${FOUR}"', //       10
    );
    const heads = diagnose(text)
      .split('\n')
      .filter((line) => line.startsWith('pipelines.yaml:'))
      .map((line) => line.split(' ').slice(0, 2).join(' '));
    expect(heads).toEqual([
      'pipelines.yaml:6:22 pipelines.p.stages.a.shell',
      'pipelines.yaml:7:19 pipelines.p.stages.a.inputs[0]',
      'pipelines.yaml:9:15 pipelines.p.stages.a.env.X',
      'pipelines.yaml:10:19 pipelines.p.stages.a.outputs',
    ]);
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('prints them all and exits 2', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['validate']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${EXPECTED}\n`);
    });
  });
});
