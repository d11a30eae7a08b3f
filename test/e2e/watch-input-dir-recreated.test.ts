// `exec --watch` after an input directory is deleted: the run that follows
// fails (no input), and once the directory is back (a checkout, an unpacked
// archive) its files rerun the stage, as do later edits. The watch had
// dropped a deleted directory for good: nothing ran again.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, waitFor, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      cat: { shell: "cat data/in/*.txt > all.txt", inputs: ["data/in/*.txt"], outputs: [all.txt] }
`;

describe('exec --watch when an input directory is deleted', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('reruns once it is made again, and on each edit after', async () => {
    ws = new Workspace('runner-watch-dir-');
    const workspace = ws;
    workspace.write('pipelines.yaml', PIPELINE);
    workspace.write('data/in/a.txt', 'one\n');
    const child = spawn(process.execPath, [BIN, 'exec', 'p', '--watch'], {
      cwd: workspace.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Each run ends with this line: the count says how many have.
    const runs = (n: number, what: string): Promise<true> =>
      waitFor(() => (stderr.split('watch: waiting for changes').length - 1 === n ? true : undefined), 20_000, what);
    try {
      await runs(1, 'the first run');
      expect(workspace.read('all.txt')).toBe('one\n');
      fs.rmSync(workspace.path('data'), { recursive: true });
      await runs(2, 'a run after data/ was deleted');
      expect(stderr).toContain('p/cat: FAILED');
      workspace.write('data/in/a.txt', 'two\n');
      await runs(3, 'a run after data/in/a.txt was made again');
      expect(workspace.read('all.txt')).toBe('two\n');
      workspace.write('data/in/a.txt', 'three\n');
      await runs(4, 'a run after data/in/a.txt was edited');
      expect(workspace.read('all.txt')).toBe('three\n');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
