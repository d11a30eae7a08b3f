// `exec p --only b`, b needing a that never ran here, and reading a's output
// as an input: b fails saying it needs a, which has no cached result, not
// that a's output (its input) does not exist.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

describe('a stage selected alone whose upstream never ran', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('fails saying what it needs, even when the upstream output is one of its inputs', async () => {
    ws = new Workspace();
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    stages:\n      a: { shell: "echo a > out/a.txt", outputs: [out/a.txt] }\n      b: { shell: "cat out/a.txt > out/b.txt", needs: [a], inputs: [out/a.txt], outputs: [out/b.txt] }\n',
    );
    ws.write('out/.keep', '');
    const run = await ws.run(['exec', 'p', '--only', 'b', '--json']);
    expect(run.code).toBe(1);
    expect(stageEnd(run.events, 'b').reason).toBe(
      'needs a, which has no cached result (it is not selected; run it first)',
    );
    // Once a has run, b alone runs.
    expect((await ws.run(['exec', 'p', '--only', 'a'])).code).toBe(0);
    const alone = await ws.run(['exec', 'p', '--only', 'b', '--json']);
    expect(alone.code, alone.stderr).toBe(0);
    expect(ws.read('out/b.txt')).toBe('a\n');
  });
});
