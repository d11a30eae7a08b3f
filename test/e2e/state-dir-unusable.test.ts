// A workspace whose .runner is not a directory (a file there) cannot keep a
// cache: every command says so, naming it, and exits 2, with no internal
// error and no stack.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

describe('a .runner that is not a directory', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([['exec'], ['status'], ['explain']])('runner %s says so and exits 2', async (command) => {
    ws = new Workspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      a: { shell: "true" }\n');
    ws.write('.runner', 'not a directory\n');
    const run = await ws.run(command === 'explain' ? [command, 'p', 'a'] : [command, 'p']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `runner: cannot use ${ws.path('.runner')}, the workspace's cache directory: it is not a directory`,
    );
    expect(run.stderr).not.toContain('internal error');
  });
});
