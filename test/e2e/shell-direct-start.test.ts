import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

// A command of plain words is started without /bin/sh; it must behave as it did under the shell.
describe('a shell stage started without a shell', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  const pipeline = (command: string, extra: string[] = []): string =>
    [
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      s:',
      `        shell: ${JSON.stringify(command)}`,
      ...extra,
      '',
    ].join('\n');

  it('gets its arguments, the stage env and the workspace as working directory, and its output is logged', async () => {
    ws = new Workspace();
    ws.write('show.sh', 'echo "args: $1 $2"; echo "greeting: $GREETING"; echo "cwd: $(pwd)"; echo oops >&2\n');
    ws.write('pipelines.yaml', pipeline('sh show.sh one two=2', ['        env:', '          GREETING: hello']));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(0);
    const lines = result.events.flatMap((e) => (e.event === 'stage:log' ? [`${e.stream}: ${e.line}`] : []));
    expect(lines).toEqual([
      'stdout: args: one two=2',
      'stdout: greeting: hello',
      `stdout: cwd: ${fs.realpathSync(ws.dir)}`,
      'stderr: oops',
    ]);
  });

  it('fails like the shell when the program does not exist: exit code 127, "not found"', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', pipeline('no-such-program-here --flag'));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code).toBe(1);
    expect(outcomes(result.events)).toEqual({ s: 'failed' });
    expect(stageEnd(result.events, 's').failure).toEqual({
      kind: 'exit-non-zero',
      code: 127,
      stderrTail: ['no-such-program-here: not found'],
    });
  });

  /** A workspace whose one stage runs `./tool`, a script of `text` with file mode `mode`. */
  const runTool = (text: string, mode: number): ReturnType<Workspace['run']> => {
    ws = new Workspace();
    ws.write('tool', text);
    fs.chmodSync(path.join(ws.dir, 'tool'), mode);
    ws.write('pipelines.yaml', pipeline('./tool'));
    return ws.run(['exec', 'p', '--json']);
  };

  it('fails like the shell when the program cannot be executed: exit code 126', async () => {
    const result = await runTool('echo never\n', 0o644);
    expect(stageEnd(result.events, 's').failure).toEqual({
      kind: 'exit-non-zero',
      code: 126,
      stderrTail: ['./tool: Permission denied'],
    });
  });

  it('runs an executable script without a #! line with the shell, as sh does', async () => {
    const result = await runTool('echo "from the script" > made.txt\n', 0o755);
    expect(result.code).toBe(0);
    expect(ws.read('made.txt')).toBe('from the script\n');
  });

  it('passes on a non-zero exit code', async () => {
    ws = new Workspace();
    ws.write('fail.sh', 'echo bad >&2; exit 3\n');
    ws.write('pipelines.yaml', pipeline('sh fail.sh'));
    const result = await ws.run(['exec', 'p', '--json']);
    expect(stageEnd(result.events, 's').failure).toEqual({ kind: 'exit-non-zero', code: 3, stderrTail: ['bad'] });
  });
});
