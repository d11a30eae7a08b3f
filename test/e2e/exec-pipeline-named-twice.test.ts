// A pipeline named twice on the command line is run (and inspected) once:
// its stages are listed once in run:start, as many as end.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

describe('a pipeline named twice', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('runs once, its stages listed once', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      a: { shell: "true" }\n      b: { shell: "true" }\n',
    );
    const run = await ws.run(['exec', 'p', 'p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const start = run.events.find((event) => event.event === 'run:start');
    expect(start && 'pipelines' in start ? start.pipelines : []).toEqual(['p']);
    expect(start && 'stages' in start ? start.stages : []).toHaveLength(2);
    expect(run.events.filter((event) => event.event === 'stage:end')).toHaveLength(2);
    const status = await ws.run(['status', 'p', 'p', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { stages: unknown[] }).stages).toHaveLength(2);
  });
});
