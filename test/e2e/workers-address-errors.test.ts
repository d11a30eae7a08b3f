// A malformed queue address is bad usage, named where it came from, before
// anything runs: --workers, RUNNER_WORKERS, pipelines.yaml, runner worker --queue.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      a: { shell: "echo a" }
`;

describe('a malformed queue of remote workers', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('is a usage error that says where it came from and what was expected', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', PIPELINE);
    const expected = 'expected redis://host:port (or rediss://), optionally /db and ?queue=name';
    const flag = await ws.run(['exec', 'p', '--workers', 'http://farm:6379']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(`runner: --workers: http://farm:6379: ${expected}\n`);
    const env = await ws.run(['exec', 'p'], { env: { RUNNER_WORKERS: 'farm:6379' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toBe(`runner: RUNNER_WORKERS: farm:6379: ${expected}\n`);
    const queue = await ws.run(['exec', 'p', '--workers', 'redis://farm:6379?queue=a:b']);
    expect(queue.stderr).toBe(
      `runner: --workers: redis://farm:6379?queue=a:b: the queue name must be non-empty and without ':' (got "a:b")\n`,
    );
    const worker = await ws.run(['worker', '--queue', 'farm']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toBe(`runner: --queue farm: ${expected}\n`);
    // --no-workers runs here whatever the environment names.
    expect((await ws.run(['exec', 'p', '--no-workers'], { env: { RUNNER_WORKERS: 'farm:6379' } })).code).toBe(0);
  });

  it('in pipelines.yaml is a diagnostic at its line', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', `workers: http://farm:6379\n${PIPELINE}`);
    const result = await ws.run(['exec', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'pipelines.yaml:1:1 workers must be a Redis URL such as redis://127.0.0.1:6379 ' +
        'or redis://farm:6379?queue=myproject\n' +
        '  1 | workers: http://farm:6379\n' +
        '    | ^^^^^^^^^^^^^^^^^^^^^^^^^\n' +
        '1 problem in pipelines.yaml\n',
    );
  });
});
