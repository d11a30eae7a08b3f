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
  '       needs: [b]', //       7  one space short of its siblings
);

const EXPECTED = [
  'pipelines.yaml:7:8 YAML syntax error: All mapping items must start at the same column',
  '  7 |        needs: [b]',
  '    |        ^^^^^^^^^^',
  '1 problem in pipelines.yaml',
].join('\n');

describe('bad indentation', () => {
  it('is a syntax error at the line and column of the misplaced item', () => {
    expect(diagnose(TEXT)).toBe(EXPECTED);
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 from exec', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['exec', 'p']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${EXPECTED}\n`);
    });
  });
});
