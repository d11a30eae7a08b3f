// `runner status`: `param changed: <name>` and `env changed: <NAME>`; a
// secret env value never shows, only that it changed.
import { afterEach, describe, expect, it } from 'vitest';
import { dagWorkspace, warmDagWorkspace } from '../cache/dag-workspace.js';
import { status, tableLine } from '../cache/status-helpers.js';
import { Workspace } from './rig.js';

const made: Workspace[] = [];
afterEach(() => {
  for (const ws of made.splice(0)) ws.remove();
});

const ENV = { b1: ['env: { MODE: "${MODE:-fast}", API_TOKEN: "${API_TOKEN:-none}" }'] };

describe('status: param and env reasons', () => {
  it('`param changed: <name>` for the shell stage that uses the param', async () => {
    const ws = await warmDagWorkspace();
    const s = await status(ws, ['--param', 'salt=two']);
    expect(s.reasons.b2).toBe('param changed: salt');
    expect(s.reasons.b3).toBe('upstream will run: b2');
    expect(s.reasons.b1).toBe('unchanged');
    expect(s.reasons.a1).toBe('unchanged');
  });

  it("`param changed: <name>` for a shell stage's own param edited in the YAML", async () => {
    const ws = await warmDagWorkspace({ level: 1 });
    ws.configure({ level: 3 });
    const s = await status(ws);
    expect(s.reasons.b2).toBe('param changed: level');
    expect(tableLine(s.table, 'b2')).toBe('p/b2 would run param changed: level');
  });

  it('`param changed: <name>` for a run-module stage whose param changes', async () => {
    const ws = new Workspace('runner-cache-param-');
    made.push(ws);
    ws.write(
      'mods/task.ts',
      'export function task(ctx: { params: Record<string, unknown> }) {\n  return [{ k: ctx.params.k }];\n}\n',
    );
    const yaml = (k: number) =>
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      code:',
        '        run: mods/task.ts#task',
        `        params: { k: ${k} }`,
        '',
      ].join('\n');
    ws.write('pipelines.yaml', yaml(1));
    const first = await ws.run(['exec', 'p']);
    expect(first.code, first.stderr).toBe(0);
    ws.write('pipelines.yaml', yaml(2));
    const s = await status(ws);
    expect(s.byStage.code).toMatchObject({ wouldRun: true, reason: 'param changed: k' });
    expect(tableLine(s.table, 'code')).toBe('p/code would run param changed: k');
  });

  it('`env changed: <NAME>` when a declared env value changes', async () => {
    const ws = dagWorkspace({ extra: ENV });
    const first = await ws.execWith({ MODE: 'fast' });
    expect(first.code).toBe(0);
    const s = await status(ws, [], { MODE: 'slow' });
    expect(s.reasons.b1).toBe('env changed: MODE');
    expect(s.reasons.b2).toBe('upstream will run: b1');
    expect((await status(ws, [], { MODE: 'fast' })).reasons.b1).toBe('unchanged');
  });

  it('`env changed: <NAME>` for a secret, without its value anywhere', async () => {
    const ws = dagWorkspace({ extra: ENV });
    await ws.execWith({ API_TOKEN: 'first-secret-value' });
    const s = await status(ws, [], { API_TOKEN: 'second-secret-value' });
    expect(s.reasons.b1).toBe('env changed: API_TOKEN');
    const json = await ws.run(['status', 'p', '--json'], { env: { API_TOKEN: 'second-secret-value' } });
    expect(json.stdout).not.toContain('secret-value');
    expect(s.table).not.toContain('secret-value');
    expect(ws.read('.runner/state.json')).not.toContain('secret-value');
  });
});
