// `exec p --watch --param src=lib` watches the inputs the runs use: those
// the --param value names (lib/), not those of the param's default (src/).
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { BIN, waitFor, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    params: { src: src }
    stages:
      cat: { shell: "cat \${params.src}/*.txt > all.txt", inputs: ["\${params.src}/*.txt"], outputs: [all.txt] }
`;

describe('exec --watch with --param', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('reruns when an input the --param value names changes', async () => {
    ws = new Workspace('runner-watch-param-');
    const workspace = ws;
    workspace.write('pipelines.yaml', PIPELINE);
    workspace.write('src/a.txt', 'src 1\n');
    workspace.write('lib/a.txt', 'lib 1\n');
    const child = spawn(process.execPath, [BIN, 'exec', 'p', '--watch', '--param', 'src=lib', '--json'], {
      cwd: workspace.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const ends = (): RunEvent[] =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{"event":"run:end"'))
        .map((line) => JSON.parse(line) as RunEvent);
    const waits = (): number => stderr.split('watch: waiting for changes').length - 1;
    try {
      await waitFor(() => (waits() === 1 ? true : undefined), 20_000, 'the first run');
      expect(workspace.read('all.txt')).toBe('lib 1\n');
      workspace.write('lib/a.txt', 'lib 2\n');
      await waitFor(() => (waits() === 2 ? true : undefined), 20_000, 'a run after lib/a.txt changed');
      expect(ends()).toHaveLength(2);
      expect(stderr).toContain('watch: lib/a.txt changed');
      expect(workspace.read('all.txt')).toBe('lib 2\n');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
