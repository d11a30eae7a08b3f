// `runner status`: `code changed: <module>` for the run module itself and for
// a local module it imports; not for an unrelated file.
import { afterEach, describe, expect, it } from 'vitest';
import { status } from '../cache/status-helpers.js';
import { Workspace } from './rig.js';

const made: Workspace[] = [];
afterEach(() => {
  for (const ws of made.splice(0)) ws.remove();
});

async function codeWorkspace(): Promise<Workspace> {
  const ws = new Workspace('runner-cache-code-');
  made.push(ws);
  ws.write(
    'mods/task.ts',
    "import { greeting } from './helper.js';\nexport function task() {\n  return [{ greeting }];\n}\n",
  );
  ws.write('mods/helper.ts', "import { suffix } from '../lib/suffix.js';\nexport const greeting = `hello${suffix}`;\n");
  ws.write('lib/suffix.ts', "export const suffix = '!';\n");
  ws.write('mods/unrelated.ts', 'export const other = 1;\n');
  ws.write(
    'pipelines.yaml',
    [
      'version: 1',
      'pipelines:',
      '  p:',
      '    stages:',
      '      code:',
      '        run: mods/task.ts#task',
      '      after:',
      '        needs: [code]',
      '        shell: "echo after > after.txt"',
      '        outputs: [after.txt]',
      '',
    ].join('\n'),
  );
  const first = await ws.run(['exec', 'p']);
  if (first.code !== 0) throw new Error(`first run failed:\n${first.stderr}`);
  return ws;
}

describe('status: code reasons', () => {
  it('is cached after a run', async () => {
    const ws = await codeWorkspace();
    expect((await status(ws)).reasons).toEqual({ code: 'unchanged', after: 'unchanged' });
  });

  it('`code changed: <module>` when the run module changes', async () => {
    const ws = await codeWorkspace();
    ws.write('mods/task.ts', `${ws.read('mods/task.ts')}// a comment is a change\n`);
    const s = await status(ws);
    expect(s.reasons.code).toBe('code changed: mods/task.ts');
    expect(s.byStage.code?.wouldRun).toBe(true);
    expect(s.reasons.after).toBe('upstream will run: code');
  });

  it('`code changed: <module>` for a local module it imports, directly or not', async () => {
    const ws = await codeWorkspace();
    ws.write('mods/helper.ts', ws.read('mods/helper.ts').replace('hello', 'hi'));
    expect((await status(ws)).reasons.code).toBe('code changed: mods/helper.ts');
    const again = await codeWorkspace();
    again.write('lib/suffix.ts', "export const suffix = '?';\n");
    expect((await status(again)).reasons.code).toBe('code changed: lib/suffix.ts');
  });

  it('an unrelated module changes nothing', async () => {
    const ws = await codeWorkspace();
    ws.write('mods/unrelated.ts', 'export const other = 2;\n');
    expect((await status(ws)).reasons.code).toBe('unchanged');
  });

  it('exec agrees: the stage reruns for the same reason', async () => {
    const ws = await codeWorkspace();
    ws.write('lib/suffix.ts', "export const suffix = '?';\n");
    const run = await ws.run(['exec', 'p', '--json']);
    expect(run.events).toContainEqual(
      expect.objectContaining({
        event: 'stage:end',
        stage: 'code',
        outcome: 'ran',
        reason: 'code changed: lib/suffix.ts',
      }),
    );
  });
});
