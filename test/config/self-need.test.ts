import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const TEXT = lines(
  'version: 1', //              1
  'pipelines:', //              2
  '  p:', //                    3
  '    stages:', //             4
  '      a:', //                5
  '        shell: "true"', //   6
  '      lint:', //             7
  '        needs: [a, lint]', // 8
  '        shell: "true"', //   9
);

const EXPECTED = [
  'pipelines.yaml:8:20 pipelines.p.stages.lint.needs[1] names the stage itself; a stage cannot need itself',
  '  8 |         needs: [a, lint]',
  '    |                    ^^^^',
  '1 problem in pipelines.yaml',
].join('\n');

describe('a stage that needs itself', () => {
  it('is reported once, at the entry naming it', () => {
    expect(diagnose(TEXT)).toBe(EXPECTED);
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 from validate with the same diagnostic', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['validate']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${EXPECTED}\n`);
    });
  });
});
