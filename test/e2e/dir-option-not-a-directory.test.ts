// -C names the directory to work in: one that is not there, or a file, is a
// usage error saying so (not that a pipelines.yaml inside it is missing).
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

describe('-C to what is not a directory', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it.each([
    ['nope', 'no such directory'],
    ['pipelines.yaml', 'not a directory'],
  ])('-C %s: %s, exit 2', async (dir, says) => {
    ws = new Workspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      a: { shell: "true" }\n');
    const run = await ws.run(['-C', dir, 'exec', 'p']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`runner: -C ${dir}: ${says}\n`);
  });
});
