import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

describe('runner validate', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('says the file is valid, with counts, and exits 0', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  a:',
        '    stages:',
        '      x: { shell: "true" }',
        '      y: { shell: "true" }',
        '  b:',
        '    stages:',
        '      z: { shell: "true" }',
        '',
      ].join('\n'),
    );
    const result = await ws.run(['validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('pipelines.yaml is valid: 2 pipelines, 3 stages\n');
    expect(result.stderr).toBe('');
  });

  it('checks the file again even when a cached copy of an older version exists', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      ['version: 1', 'pipelines:', '  a:', '    stages:', '      x: { shell: "true" }', ''].join('\n'),
    );
    expect((await ws.run(['list'])).code).toBe(0);
    ws.write(
      'pipelines.yaml',
      ['version: 1', 'pipelines:', '  a:', '    stages:', '      x: { shell: "true", concurrency: 0 }', ''].join('\n'),
    );
    const result = await ws.run(['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pipelines.yaml:5:27 pipelines.a.stages.x.concurrency must be an integer >= 1');
  });
});
