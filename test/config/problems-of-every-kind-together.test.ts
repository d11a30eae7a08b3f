import { afterEach, describe, expect, it } from 'vitest';
import { analyseAndFormat, lines, tempConfig } from './helpers.js';

describe('problems of different kinds in one file', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('reports a schema error and a cycle in one pass, in line order', async () => {
    const config = tempConfig(
      lines(
        'version: 1', //                  1
        'pipelines:', //                  2
        '  p:', //                        3
        '    stages:', //                 4
        '      a:', //                    5
        '        needs: [b]', //          6
        '        shell: "true"', //       7
        '        concurrency: 0', //      8
        '      b:', //                    9
        '        needs: [a]', //          10
        '        shell: "true"', //       11
      ),
    );
    cleanup = config.remove;
    const printed = await analyseAndFormat(config.file);
    expect(printed.split('\n').filter((l) => l.startsWith('pipelines.yaml'))).toEqual([
      'pipelines.yaml:6:9 pipelines.p.stages.a.needs form a cycle: a -> b -> a',
      'pipelines.yaml:8:9 pipelines.p.stages.a.concurrency must be an integer >= 1',
    ]);
    expect(printed.endsWith('2 problems in pipelines.yaml')).toBe(true);
  });

  it('reports an undefined variable and a cycle in one pass', async () => {
    const config = tempConfig(
      lines(
        'version: 1', //                         1
        'pipelines:', //                         2
        '  p:', //                               3
        '    stages:', //                        4
        '      a:', //                           5
        '        needs: [b]', //                 6
        '        shell: "echo ${UNSET_X_42}"', // 7
        '      b:', //                           8
        '        needs: [a]', //                 9
        '        shell: "true"', //              10
      ),
    );
    cleanup = config.remove;
    const printed = await analyseAndFormat(config.file);
    const heads = printed.split('\n').filter((l) => l.startsWith('pipelines.yaml'));
    expect(heads).toHaveLength(2);
    expect(heads[0]).toBe('pipelines.yaml:6:9 pipelines.p.stages.a.needs form a cycle: a -> b -> a');
    expect(heads[1]).toMatch(/^pipelines\.yaml:7:\d+ pipelines\.p\.stages\.a\.shell uses \$\{UNSET_X_42\}/);
  });
});
