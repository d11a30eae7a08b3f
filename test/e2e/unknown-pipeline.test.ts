import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINES = [
  'version: 1',
  'pipelines:',
  '  simtask:',
  '    stages:',
  '      a: { shell: "touch ran" }',
  '  boardrev:',
  '    stages:',
  '      b: { shell: "true" }',
  '',
].join('\n');

describe('an unknown pipeline', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('exec exits 2 with a did-you-mean and the list of pipelines, running nothing', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    const result = await ws.run(['exec', 'simtsak', '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'runner: no pipeline "simtsak" in pipelines.yaml (did you mean "simtask"?) (pipelines: simtask, boardrev)\n',
    );
    expect(result.events).toEqual([]);
    expect(ws.exists('ran')).toBe(false);
  });

  it('is reported even when another named pipeline exists', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    const result = await ws.run(['exec', 'simtask', 'nothing-like-it']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'runner: no pipeline "nothing-like-it" in pipelines.yaml (pipelines: simtask, boardrev)\n',
    );
    expect(ws.exists('ran')).toBe(false);
  });

  it('names the first 20 pipelines of a file with more, and how many more', async () => {
    ws = new Workspace();
    const names = Array.from({ length: 25 }, (_, i) => `p${i}`);
    ws.write(
      'pipelines.yaml',
      ['version: 1', 'pipelines:', ...names.map((name) => `  ${name}: { stages: { a: { shell: "true" } } }`), ''].join(
        '\n',
      ),
    );
    const result = await ws.run(['exec', 'nothing-like-it']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `runner: no pipeline "nothing-like-it" in pipelines.yaml (pipelines: ${names.slice(0, 20).join(', ')} and 5 more)\n`,
    );
  });

  it('graph and status exit 2 the same way', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    for (const args of [
      ['graph', 'bordrev'],
      ['status', 'bordrev'],
    ]) {
      const result = await ws.run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'runner: no pipeline "bordrev" in pipelines.yaml (did you mean "boardrev"?) (pipelines: simtask, boardrev)\n',
      );
    }
  });

  it('no pipeline named: exec, status, graph and explain exit 2 naming the pipelines there are, running nothing', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    for (const [args, command] of [
      [['exec', '--json'], 'exec'],
      [['exec', '--watch'], 'exec'],
      [['status'], 'status'],
      [['status', '--explain'], 'status'],
      [['graph'], 'graph'],
      [['explain'], 'explain'],
    ] as const) {
      const result = await ws.run([...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `runner: name the pipeline: runner ${command} <pipeline> (pipelines.yaml has simtask, boardrev)\n`,
      );
      expect(result.events).toEqual([]);
    }
    expect(ws.exists('ran')).toBe(false);
  });

  it('explain with no stage named exits 2 naming the stages of its pipeline', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    const result = await ws.run(['explain', 'simtask']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('runner: name the stage: runner explain simtask <stage> (simtask has a)\n');
  });

  it('an unknown stage in --only exits 2 with a did-you-mean', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINES);
    const result = await ws.run(['exec', 'simtask', '--only', 'aa']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('runner: --only aa: no such stage in simtask (did you mean "a"?) (stages: a)\n');
  });
});
