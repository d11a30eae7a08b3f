import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINES = [
  'version: 1',
  'pipelines:',
  '  build:',
  '    description: Compile and bundle',
  '    stages:',
  '      compile: { shell: "true" }',
  '      bundle: { needs: [compile], shell: "true" }',
  '  docs:',
  '    stages:',
  '      site: { shell: "true" }',
  '',
].join('\n');

describe('runner list', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('prints every pipeline with its description and stages', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    const result = await ws.run(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      ['build  Compile and bundle', '       stages: compile bundle', 'docs   ', '       stages: site', ''].join('\n'),
    );
  });

  it('--json gives the same as data', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    const result = await ws.run(['list', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      pipelines: [
        { name: 'build', description: 'Compile and bundle', stages: ['compile', 'bundle'] },
        { name: 'docs', description: '', stages: ['site'] },
      ],
    });
  });

  it('finds pipelines.yaml in a parent directory, or through -C and -f', async () => {
    ws = new Workspace();
    ws.write('project/pipelines.yaml', PIPELINES);
    ws.write('project/sub/dir/.keep', '');
    const names = (stdout: string) =>
      (JSON.parse(stdout) as { pipelines: { name: string }[] }).pipelines.map((p) => p.name);
    expect(names((await ws.run(['list', '--json'], { cwd: ws.path('project/sub/dir') })).stdout)).toEqual([
      'build',
      'docs',
    ]);
    expect(names((await ws.run(['-C', 'project', 'list', '--json'])).stdout)).toEqual(['build', 'docs']);
    ws.write('other.yaml', PIPELINES.replace('docs:', 'manual:'));
    expect(names((await ws.run(['-f', 'other.yaml', 'list', '--json'])).stdout)).toEqual(['build', 'manual']);
  });

  it('exits 2 when there is no pipelines.yaml', async () => {
    ws = new Workspace();
    const result = await ws.run(['-C', 'nowhere', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('runner: -C nowhere: no such directory');
    ws.write('empty/.keep', '');
    const empty = await ws.run(['-C', 'empty', 'list']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('empty/pipelines.yaml does not exist');
  });
});
