import { afterEach, describe, expect, it } from 'vitest';
import { cachedWorkspace, PIPELINE } from './explain-workspace.js';
import type { Workspace } from './rig.js';

describe('explain: code, upstream and definition', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('names the changed code file, including a local import of the run module', async () => {
    ws = await cachedWorkspace();
    ws.write('helper.ts', 'export const twice = (n: number): number => n + n;\n');
    const result = await ws.run(['explain', 'p', 'down']);
    expect(result.stdout).toBe(
      ['p/down  would run   code changed: helper.ts', '    code:', '      changed  helper.ts', ''].join('\n'),
    );
  });

  it('names the upstream stage whose output changed', async () => {
    ws = await cachedWorkspace();
    ws.write('data/b.txt', 'b, edited\n');
    expect((await ws.run(['exec', 'p', '--only', 'up'])).code).toBe(0);
    const result = await ws.run(['explain', 'p', 'down']);
    expect(result.stdout).toBe(
      ['p/down  would run   upstream changed: up', '    upstream:', '      up: its output changed', ''].join('\n'),
    );
    const json = JSON.parse((await ws.run(['explain', 'p', 'down', '--json'])).stdout) as { changes: unknown[] };
    expect(json.changes).toEqual([{ kind: 'upstream', stage: 'up' }]);
  });

  it('shows a changed definition field old -> new', async () => {
    ws = await cachedWorkspace();
    ws.write('pipelines.yaml', PIPELINE.replace('cat data/*.txt > up.out', 'sort data/*.txt > up.out'));
    const result = await ws.run(['explain', 'p', 'up']);
    expect(result.stdout).toBe(
      [
        'p/up   would run   definition changed: shell',
        '    definition:',
        '      shell: "cat data/*.txt > up.out" -> "sort data/*.txt > up.out"',
        '',
      ].join('\n'),
    );
  });
});
