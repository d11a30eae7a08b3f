import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../e2e/rig.js';
import { diagnose, lines } from './helpers.js';

const TEXT = lines(
  'version: 1',
  'pipelines:',
  '  p:',
  '    params: { root: src, depth: 2 }',
  '    stages:',
  '      a:',
  '        shell: "ls ${params.root} > seen.txt"',
);

describe('an undeclared --param', () => {
  it('is an error naming the pipeline, its params and the closest one', () => {
    expect(diagnose(TEXT, { paramOverrides: { rot: 'lib' }, pipelinesToCheck: ['p'] })).toBe(
      [
        'pipelines.yaml --param rot is not a param of pipeline p (params: root, depth) (did you mean "root"?)',
        '1 problem in pipelines.yaml',
      ].join('\n'),
    );
  });

  it('is fine when declared', () => {
    expect(diagnose(TEXT, { paramOverrides: { root: 'lib' }, pipelinesToCheck: ['p'] })).toBe('');
  });

  describe('with several pipelines being run', () => {
    const two = lines(
      'version: 1',
      'pipelines:',
      '  p:',
      '    params: { root: src }',
      '    stages:',
      '      a: { shell: "ls ${params.root}" }',
      '  q:',
      '    stages:',
      '      b: { shell: "echo ${params.k}", params: { k: 1 } }',
    );

    it('applies to the pipelines that declare it: no error when one of them does', () => {
      expect(diagnose(two, { paramOverrides: { root: 'lib' }, pipelinesToCheck: ['p', 'q'] })).toBe('');
      // A param a stage sets for itself counts as declared: --param overrides it.
      expect(diagnose(two, { paramOverrides: { k: '2' }, pipelinesToCheck: ['p', 'q'] })).toBe('');
    });

    it('is an error when none of them declares it', () => {
      expect(diagnose(two, { paramOverrides: { rot: 'lib' }, pipelinesToCheck: ['p', 'q'] })).toBe(
        [
          'pipelines.yaml --param rot is not a param of any of pipelines p, q (params: root, k) (did you mean "root"?)',
          '1 problem in pipelines.yaml',
        ].join('\n'),
      );
      expect(diagnose(two, { paramOverrides: { root: 'lib' }, pipelinesToCheck: ['q'] })).toBe(
        ['pipelines.yaml --param root is not a param of pipeline q (params: k)', '1 problem in pipelines.yaml'].join(
          '\n',
        ),
      );
    });
  });

  describe('through the CLI', () => {
    let ws: Workspace;
    afterEach(() => ws.remove());

    it('exits 2 and runs nothing', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['exec', 'p', '--param', 'rot=lib', '--json']);
      expect(result.code).toBe(2);
      expect(result.events).toEqual([]);
      expect(ws.exists('seen.txt')).toBe(false);
      expect(result.stderr).toBe(
        'pipelines.yaml --param rot is not a param of pipeline p (params: root, depth) (did you mean "root"?)\n1 problem in pipelines.yaml\n',
      );
    });

    it('exits 2 for a --param without a value', async () => {
      ws = new Workspace();
      ws.write('pipelines.yaml', TEXT);
      const result = await ws.run(['exec', 'p', '--param', 'root']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('runner: --param root: expected NAME=VALUE\n');
    });
  });
});
