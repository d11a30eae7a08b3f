import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const TEXT = lines(
  'version: 1', //               1
  'pipelines:', //               2
  '  p:', //                     3
  '    stages:', //              4
  '      build:', //             5
  '        shell: "echo 1"', //  6
  '      test:', //              7
  '        shell: "echo 2"', //  8
  '      build:', //             9
  '        shell: "echo 3"', //  10
);

describe('duplicate stage names', () => {
  it('points at the second definition and names the line of the first', () => {
    expect(diagnose(TEXT)).toBe(
      [
        'pipelines.yaml:9:7 pipelines.p.stages.build duplicate stage name "build" (first defined at line 5)',
        '  9 |       build:',
        '    |       ^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('are fine across pipelines: stage names are per pipeline', () => {
    const text = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      build: { shell: "true" }',
      '  q:',
      '    stages:',
      '      build: { shell: "true" }',
    );
    expect(diagnose(text)).toBe('');
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 and runs nothing', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['exec', 'p', '--json']);
      expect(result.code).toBe(2);
      expect(result.events).toEqual([]);
      expect(result.stderr).toBe(
        [
          'pipelines.yaml:9:7 pipelines.p.stages.build duplicate stage name "build" (first defined at line 5)',
          '  9 |       build:',
          '    |       ^^^^^',
          '1 problem in pipelines.yaml',
          '',
        ].join('\n'),
      );
    });
  });
});
