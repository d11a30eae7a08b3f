// The human progress on a real pseudo-terminal (util-linux `script`) and
// without one: live bars and a table on the terminal, plain lines without
// escape codes elsewhere, and the same --json events on stdout either way.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { BIN, Workspace } from './rig.js';

const PIPELINE = `version: 1
pipelines:
  p:
    stages:
      first: { shell: "echo working; while [ ! -e release ]; do sleep 0.05; done", inputs: [in.txt] }
      second: { needs: [first], shell: "true" }
      third: { needs: [second], shell: "exit 2" }
`;

function workspace(): Workspace {
  const ws = new Workspace('runner-tty-');
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('in.txt', 'x\n');
  return ws;
}

const RUNNING_LINE = / {2}p\/first {2,}[█░]+ {2}running/;

/**
 * Runs `runner exec p --json` with stderr on a pseudo-terminal; stdout goes
 * to a file. Stage first runs until the terminal has shown its live line.
 */
function runOnTty(ws: Workspace): Promise<{ code: number | null; terminal: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '100' };
  delete env.CI;
  delete env.NO_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'script',
      ['-q', '-e', '-c', `'${process.execPath}' '${BIN}' exec p --json > stdout.jsonl`, '/dev/null'],
      {
        cwd: ws.dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let terminal = '';
    child.stdout.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    child.stdout.on('data', () => {
      if (RUNNING_LINE.test(terminal) && !ws.exists('release')) ws.write('release', '');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, terminal }));
  });
}

/** The parts of an event that do not change from one run to the next. */
function stable(events: RunEvent[]): unknown[] {
  return events.map((event) => {
    const { time: _t, ...rest } = event as unknown as Record<string, unknown>;
    for (const field of ['runId', 'durationMs', 'slotMs', 'peakRssBytes', 'cpuUtilisation', 'key']) delete rest[field];
    return rest;
  });
}

describe('progress on a terminal and off it', () => {
  const spaces: Workspace[] = [];
  afterEach(() => {
    for (const ws of spaces.splice(0)) ws.remove();
  });

  it('draws bars and a final table on a TTY, and prints the same --json events as without one', async () => {
    const tty = workspace();
    const plain = workspace();
    spaces.push(tty, plain);
    const onTty = await runOnTty(tty);
    expect(onTty.code).toBe(1);
    plain.write('release', '');
    const withoutTty = await plain.run(['exec', 'p', '--json']);
    expect(withoutTty.code).toBe(1);

    // On the terminal: cursor movement, a live line for the running stage, the table last.
    expect(onTty.terminal).toMatch(/\x1b\[\d*[AG]/);
    expect(onTty.terminal).toMatch(RUNNING_LINE);
    // What the screen shows after the bars are erased (ESC[0J): the table and the closing line.
    const afterBars = onTty.terminal.slice(onTty.terminal.lastIndexOf('\x1b[0J') + '\x1b[0J'.length);
    const table = afterBars
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      .trimEnd()
      .split(/\r?\n/);
    expect(table.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'stage outcome',
      'p/first ran',
      'p/second ran',
      'p/third failed',
      'failed in',
    ]);

    // Off the terminal (CI=true from the rig): plain timestamped lines, no escape codes.
    expect(withoutTty.stderr).not.toMatch(/\x1b/);
    for (const line of withoutTty.stderr.trimEnd().split('\n')) expect(line).toMatch(/^\[\d{2}:\d{2}:\d{2}\] /);

    const ttyEvents = tty
      .read('stdout.jsonl')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent);
    expect(stable(ttyEvents)).toEqual(stable(withoutTty.events));
    expect(ttyEvents.map((e) => e.event)).toContain('stage:log');
  }, 60_000);
});
