import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const CONCURRENCY_ZERO = lines(
  'version: 1', //                   1
  'pipelines:', //                   2
  '  p:', //                         3
  '    stages:', //                  4
  '      s:', //                     5
  '        shell: "echo s"', //      6
  '        concurrency: 0', //       7
);

describe('a field of the wrong type or out of range', () => {
  it('names the field path, the rule, and underlines the field', () => {
    expect(diagnose(CONCURRENCY_ZERO)).toBe(
      [
        'pipelines.yaml:7:9 pipelines.p.stages.s.concurrency must be an integer >= 1',
        '  7 |         concurrency: 0',
        '    |         ^^^^^^^^^^^^^^',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('reports each bad field of a stage with what it expects', () => {
    const text = lines(
      'version: 1', //                                  1
      'pipelines:', //                                  2
      '  p:', //                                        3
      '    stages:', //                                 4
      '      s:', //                                    5
      '        shell: "echo s"', //                     6
      '        retries: two', //                        7
      '        timeout: 5', //                          8
      '        isolate: thread', //                     9
      '        cache: { policy: sometimes }', //        10
      '        batchSize: 1.5', //                      11
    );
    expect(diagnose(text)).toBe(
      [
        'pipelines.yaml:7:9 pipelines.p.stages.s.retries must be an integer >= 0',
        '  7 |         retries: two',
        '    |         ^^^^^^^^^^^^',
        'pipelines.yaml:8:9 pipelines.p.stages.s.timeout must be a duration such as 500ms, 30s, 5m, 2h or 7d',
        '  8 |         timeout: 5',
        '    |         ^^^^^^^^^^',
        'pipelines.yaml:9:9 pipelines.p.stages.s.isolate must be one of inline, worker, process',
        '  9 |         isolate: thread',
        '    |         ^^^^^^^^^^^^^^^',
        'pipelines.yaml:10:18 pipelines.p.stages.s.cache.policy must be one of content, ttl, never',
        '  10 |         cache: { policy: sometimes }',
        '     |                  ^^^^^^^^^^^^^^^^^',
        'pipelines.yaml:11:9 pipelines.p.stages.s.batchSize must be an integer >= 1',
        '  11 |         batchSize: 1.5',
        '     |         ^^^^^^^^^^^^^^',
        '5 problems in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('accepts the same stage once the values are in range', () => {
    expect(diagnose(CONCURRENCY_ZERO.replace('concurrency: 0', 'concurrency: 1'))).toBe('');
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('prints the diagnostic on stderr and exits 2', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', CONCURRENCY_ZERO);
      const result = await ws.run(['validate']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        [
          'pipelines.yaml:7:9 pipelines.p.stages.s.concurrency must be an integer >= 1',
          '  7 |         concurrency: 0',
          '    |         ^^^^^^^^^^^^^^',
          '1 problem in pipelines.yaml',
          '',
        ].join('\n'),
      );
    });

    it('refuses to run the pipeline and runs nothing', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', CONCURRENCY_ZERO.replace('echo s', 'echo s > ran.txt'));
      const result = await ws.run(['exec', 'p', '--json']);
      expect(result.code).toBe(2);
      expect(result.events).toEqual([]);
      expect(ws.exists('ran.txt')).toBe(false);
      expect(result.stderr).toContain('pipelines.yaml:7:9 pipelines.p.stages.s.concurrency must be an integer >= 1');
    });
  });
});
