// A param or a glob may name an absolute path, inside the workspace or out
// of it: its files are listed (and keyed) by that absolute path, stage code
// reaches them through ctx.workspace.resolve on the main thread and in a
// worker alike, and the key stays the same from run to run.
import { afterEach, describe, expect, it } from 'vitest';
import { stageEnd, Workspace } from './rig.js';

const MODULE = `import fs from 'node:fs';
export function count(item, ctx) {
  const text = fs.readFileSync(ctx.workspace.resolve(item.path), 'utf8');
  return { path: item.path, lines: text.split('\\n').length - 1 };
}
export async function collect(ctx) {
  const out = [];
  for (const name of ['inline', 'pooled']) for await (const record of ctx.upstream(name)) out.push(name + ' ' + record.path + ' ' + record.lines);
  fs.writeFileSync(ctx.workspace.resolve('counts.txt'), out.join('\\n') + '\\n');
}
`;

const PIPELINE = `version: 1
pipelines:
  p:
    params: { dir: data }
    stages:
      inline:
        run: m.mjs#count
        foreach: { files: ["\${params.dir}/**/*.txt"], exclude: ["**/skip/**"] }
        cache: { scope: item }
      pooled:
        run: m.mjs#count
        foreach: { files: ["\${params.dir}/**/*.txt"], exclude: ["**/skip/**"] }
        isolate: worker
        cache: { scope: item }
      joined:
        shell: cat "\${params.dir}/a.txt" "\${params.dir}/deep/b.txt" > joined.txt
        inputs: ["\${params.dir}/**/*.txt"]
        outputs: [joined.txt]
      collect:
        run: m.mjs#collect
        needs: [inline, pooled]
        cache: { policy: never }
`;

describe('absolute params and patterns', () => {
  const made: Workspace[] = [];
  afterEach(() => {
    for (const ws of made.splice(0)) ws.remove();
  });

  function setUp(): { ws: Workspace; outside: Workspace } {
    const ws = new Workspace();
    const outside = new Workspace('runner-outside-');
    made.push(ws, outside);
    ws.write('m.mjs', MODULE);
    ws.write('pipelines.yaml', PIPELINE);
    outside.write('a.txt', 'one\n');
    outside.write('deep/b.txt', 'one\ntwo\n');
    outside.write('skip/c.txt', 'never read\n');
    return { ws, outside };
  }

  it('map stages (inline and in a worker) and a shell stage read files outside the workspace by absolute path', async () => {
    const { ws, outside } = setUp();
    const dir = outside.dir;
    const first = await ws.run(['exec', 'p', '--param', `dir=${dir}`, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(ws.read('counts.txt')).toBe(
      [
        `inline ${dir}/a.txt 1`,
        `inline ${dir}/deep/b.txt 2`,
        `pooled ${dir}/a.txt 1`,
        `pooled ${dir}/deep/b.txt 2`,
        '',
      ].join('\n'),
    );
    expect(ws.read('joined.txt')).toBe('one\none\ntwo\n');

    // The key is stable: the same absolute files give the same key.
    const second = await ws.run(['exec', 'p', '--param', `dir=${dir}`, '--json']);
    for (const stage of ['inline', 'pooled', 'joined']) expect(stageEnd(second.events, stage).outcome).toBe('cached');
    expect(stageEnd(second.events, 'pooled').key).toBe(stageEnd(first.events, 'pooled').key);

    // An edit outside the workspace is named by its absolute path, and reruns that item only.
    outside.write('deep/b.txt', 'one\ntwo\nthree\n');
    const explained = await ws.run(['explain', 'p', 'pooled', '--param', `dir=${dir}`]);
    expect(explained.stdout).toBe(
      [
        `p/pooled  would run   input changed: ${dir}/deep/b.txt`,
        '    inputs:',
        `      changed  ${dir}/deep/b.txt`,
        '',
      ].join('\n'),
    );
    const third = await ws.run(['exec', 'p', '--param', `dir=${dir}`, '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(stageEnd(third.events, 'pooled').items).toEqual({ total: 2, done: 2, cached: 1, failed: 0 });
    expect(stageEnd(third.events, 'joined').outcome).toBe('ran');
    expect(ws.read('counts.txt')).toContain(`pooled ${dir}/deep/b.txt 3`);
  });

  it('an absolute output under the workspace is the workspace-relative output: recorded and restored there', async () => {
    const ws = new Workspace();
    made.push(ws);
    ws.write('in.txt', 'x\n');
    ws.write(
      'pipelines.yaml',
      'version: 1\npipelines:\n  p:\n    params: { out: reports }\n    stages:\n      s:\n        shell: mkdir -p ${params.out} && cp in.txt ${params.out}/copy.txt\n        inputs: [in.txt]\n        outputs: ["${params.out}/copy.txt"]\n',
    );
    const first = await ws.run(['exec', 'p', '--param', `out=${ws.dir}/reports`, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const state = JSON.parse(ws.read('.runner/state.json')) as {
      stages: Record<string, { outputs: { path: string }[] }>;
    };
    expect(state.stages['p/s']?.outputs.map((o) => o.path)).toEqual(['reports/copy.txt']);
    ws.write('reports/copy.txt', 'edited\n');
    const second = await ws.run(['exec', 'p', '--param', `out=${ws.dir}/reports`, '--json']);
    expect(stageEnd(second.events, 's').outcome).toBe('restored');
    expect(ws.read('reports/copy.txt')).toBe('x\n');
  });

  it('a --param outside the workspace for the pipeline run leaves the outputs of another pipeline alone', async () => {
    const { ws, outside } = setUp();
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  tasks:',
        '    params: { out: tasks }',
        '    stages:',
        '      write: { shell: "mkdir -p ${params.out} && echo done > ${params.out}/t.md" }',
        '  report:',
        '    params: { out: reports }',
        '    stages:',
        '      write: { shell: "mkdir -p ${params.out} && echo r > ${params.out}/r.md", outputs: ["${params.out}/r.md"] }',
        '',
      ].join('\n'),
    );
    const result = await ws.run(['exec', 'tasks', '--param', `out=${outside.dir}/tasks`]);
    expect(result.code, result.stderr).toBe(0);
    expect(outside.read('tasks/t.md')).toBe('done\n');
  });

  it('an absolute exclusion excludes a file a relative pattern lists, and a relative one an absolute match', async () => {
    const { ws } = setUp();
    ws.write('data/a.txt', 'one\n');
    ws.write('data/gen/b.txt', 'one\ntwo\n');
    ws.write(
      'pipelines.yaml',
      PIPELINE.replace('exclude: ["**/skip/**"] }', `exclude: ["${ws.dir}/data/gen/**"] }`).replace(
        'exclude: ["**/skip/**"] }',
        'exclude: ["data/gen/**"] }',
      ),
    );
    const result = await ws.run(['exec', 'p', '--param', `dir=${ws.dir}/data`, '--only', 'inline,pooled,collect']);
    expect(result.code, result.stderr).toBe(0);
    expect(ws.read('counts.txt')).toBe(
      [`inline ${ws.dir}/data/a.txt 1`, `pooled ${ws.dir}/data/a.txt 1`, ''].join('\n'),
    );
    const relative = await ws.run(['exec', 'p', '--only', 'inline,pooled,collect']);
    expect(relative.code, relative.stderr).toBe(0);
    expect(ws.read('counts.txt')).toBe(['inline data/a.txt 1', 'pooled data/a.txt 1', ''].join('\n'));
  });
});
