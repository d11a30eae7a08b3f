// `runner exec --json` into a pipe whose reader is slower than the run:
// the run's output is written whole before the process exits. The reader
// here reads nothing until the run has printed its last line on stderr
// (so most of the events wait in the process when it is done); exiting
// at once would cut them off mid-line.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, Workspace } from './rig.js';

const LINES = 10_000;

const MODULE = `export function chatty(ctx) {
  for (let i = 0; i < ${LINES}; i++) ctx.log('line ' + i + ' ' + 'x'.repeat(200));
}
`;

describe('output into a slow pipe', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('is all there when the run exits, its last event run:end', async () => {
    ws = new Workspace();
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      chatty: { run: m.mjs#chatty }\n');
    const child = spawn(process.execPath, [BIN, 'exec', 'p', '--json'], {
      cwd: ws.dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (out: Buffer) => (stdout += out.toString()));
    child.stdout.pause();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The run is over: only now is its stdout read.
      if (child.stdout.isPaused() && stderr.includes('success in')) child.stdout.resume();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n').filter((line) => line !== '');
    const events = lines.map((line) => JSON.parse(line) as { event: string; line?: string });
    expect(events.filter((e) => e.event === 'stage:log')).toHaveLength(LINES);
    expect(events.at(-1)?.event).toBe('run:end');
  });
});
