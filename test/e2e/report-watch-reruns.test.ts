// `runner exec --watch`: a run at start, another after an input changes,
// and Ctrl-C ends it.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { BIN, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      copy: { shell: "cat src/*.txt > out/all.txt", inputs: ["src/*.txt"], outputs: [out/all.txt] }
      count: { needs: [copy], shell: "wc -l < out/all.txt > out/count.txt", inputs: [out/all.txt], outputs: [out/count.txt] }
`;

/** Polls until `check` passes or the timeout ends; never a fixed sleep. */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('exec --watch', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('reruns after an input changes, and stops on Ctrl-C', async () => {
    ws = new Workspace('runner-watch-');
    ws.write('pipelines.yaml', PIPELINE);
    ws.write('src/a.txt', 'a\n');
    ws.write('out/.keep', '');
    const child = spawn(process.execPath, [BIN, 'exec', 'p', '--watch', '--json'], {
      cwd: ws.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const events = (): RunEvent[] =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as RunEvent);
    const count = (name: RunEvent['event']): number => events().filter((e) => e.event === name).length;
    try {
      await until(() => count('run:end') === 1 && stderr.includes('watch: waiting for changes'), 'the first run');
      ws.write('src/b.txt', 'b\n');
      await until(() => count('run:start') === 2, 'a second run:start');
      await until(() => count('run:end') === 2, 'the second run to end');
      const copy = events().filter(
        (e): e is Extract<RunEvent, { event: 'stage:end' }> => e.event === 'stage:end' && e.stage === 'copy',
      );
      expect(copy.map((e) => [e.outcome, e.reason])).toEqual([
        ['ran', 'no cache entry'],
        ['ran', 'input added: src/b.txt'],
      ]);
      expect(ws.read('out/all.txt')).toBe('a\nb\n');
      expect(stderr).toContain(`watch: ${['src', 'b.txt'].join('/')} added`);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    // The stage's own output (an input of `count`) triggered no run of its own.
    expect(count('run:start')).toBe(2);
  }, 60_000);
});
