import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './rig.js';

// A no-op run answers from the cache: it starts no process and no thread, so
// it should not pay for loading the modules that do (child_process, which
// brings net and dgram; worker_threads; v8). Each cost a few milliseconds of
// every run's start before they were loaded on first use.
const NOT_ON_A_NO_OP = ['child_process', 'worker_threads', 'v8', 'dgram'];

describe('a no-op run', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('loads none of the builtins that start processes or threads', async () => {
    ws = new Workspace();
    ws.write('data/a.txt', 'a\n');
    ws.write('data/b.txt', 'b\n');
    ws.write('work.mjs', 'export function size(item) { return { path: item.path, n: item.path.length }; }\n');
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      copy: { shell: "cat data/a.txt > out.txt", inputs: [data/a.txt], outputs: [out.txt] }',
        '      sizes:',
        '        run: work.mjs#size',
        '        foreach: { files: ["data/*.txt"] }',
        '        isolate: worker',
        '        cache: { scope: item }',
        '',
      ].join('\n'),
    );
    const loaded = ws.path('loaded.txt');
    ws.write(
      'record-builtins.cjs',
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));\n`,
    );
    const env = { NODE_OPTIONS: `--require ${ws.path('record-builtins.cjs')}` };

    const cold = await ws.run(['exec', 'p'], { env });
    expect(cold.code, cold.stderr).toBe(0);
    // The recorder sees a cold run load them: it would see a no-op load them too.
    const coldLoaded = fs.readFileSync(loaded, 'utf8').split('\n');
    expect(coldLoaded).toEqual(expect.arrayContaining(['NativeModule child_process', 'NativeModule worker_threads']));

    const noOp = await ws.run(['exec', 'p'], { env });
    expect(noOp.code, noOp.stderr).toBe(0);
    expect(noOp.stderr).toMatch(/2 cached/);
    const noOpLoaded = fs.readFileSync(loaded, 'utf8').split('\n');
    expect(noOpLoaded.filter((name) => NOT_ON_A_NO_OP.includes(name.replace(/^NativeModule /, '')))).toEqual([]);
  });
});
