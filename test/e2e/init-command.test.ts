// `runner init`: a starter workspace that validates and runs as written, is
// all cached on the second run, never overwrites without --force, and puts
// `.runner/` into .gitignore exactly once.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { outcomes, REPO, Workspace } from './rig.js';

const PACKAGE = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string }).name;

interface StageYaml {
  run?: string;
  shell?: string;
  foreach?: unknown;
}

describe('runner init', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('writes a pipeline with a map, a task and a shell stage that runs at once, then is all cached', async () => {
    ws = new Workspace();
    const init = await ws.run(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(
      'created pipelines.yaml\ncreated stages/hello.ts\n' +
        'created .gitignore (ignores .runner/, the cache and run records)\nnext: runner exec hello\n',
    );
    const stages = (parse(ws.read('pipelines.yaml')) as { pipelines: { hello: { stages: Record<string, StageYaml> } } })
      .pipelines.hello.stages;
    const kind = (s: StageYaml): string => (s.shell ? 'shell' : s.foreach ? 'map' : 'task');
    expect(Object.values(stages).map(kind).sort()).toEqual(['map', 'shell', 'task']);
    expect(stages.count?.run).toBe('stages/hello.ts#countLines');

    const validate = await ws.run(['validate']);
    expect(validate.stdout).toBe('pipelines.yaml is valid: 1 pipeline, 3 stages\n');
    const first = await ws.run(['exec', 'hello', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(outcomes(first.events)).toEqual({ count: 'ran', summary: 'ran', show: 'ran' });
    expect(ws.read('out/summary.txt')).toBe(
      `Hello: ${ws.read('stages/hello.ts').split('\n').length - 1} lines in 1 stage module(s)\n`,
    );
    const second = await ws.run(['exec', 'hello', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes(second.events)).toEqual({ count: 'cached', summary: 'cached', show: 'cached' });
  });

  it('points $schema at the schema inside the installed package, whose types the stage module imports', async () => {
    ws = new Workspace();
    await ws.run(['init']);
    const schemaLine = ws.read('pipelines.yaml').split('\n')[0] ?? '';
    expect(schemaLine).toBe(`# yaml-language-server: $schema=./node_modules/${PACKAGE}/schemas/pipelines.schema.json`);
    // As installed: node_modules/<package> is the package directory.
    fs.mkdirSync(ws.path('node_modules'));
    fs.symlinkSync(REPO, ws.path('node_modules', PACKAGE));
    const schema = ws.path(schemaLine.slice(schemaLine.indexOf('=') + 1));
    expect(JSON.parse(fs.readFileSync(schema, 'utf8')).title).toBe('runner pipelines.yaml');
    expect(ws.read('stages/hello.ts')).toContain(
      `import type { FileItem, ItemContext, StageContext } from '${PACKAGE}';`,
    );
  });

  it('refuses to overwrite an existing pipelines.yaml (exit 2, nothing written) unless --force', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines: {}\n');
    const refused = await ws.run(['init']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'runner: pipelines.yaml already exists; not overwriting (runner init --force replaces it with the starter)\n',
    );
    expect(ws.read('pipelines.yaml')).toBe('version: 1\npipelines: {}\n');
    expect(ws.exists('stages/hello.ts')).toBe(false);
    expect(ws.exists('.gitignore')).toBe(false);

    const forced = await ws.run(['init', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('replaced pipelines.yaml\ncreated stages/hello.ts\n');
    expect(ws.read('pipelines.yaml')).toContain('pipelines:\n  hello:\n');
  });

  it('refuses to overwrite an existing stage module too', async () => {
    ws = new Workspace();
    ws.write('stages/hello.ts', 'export const mine = 1;\n');
    const refused = await ws.run(['init']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stages/hello.ts already exists; not overwriting');
    expect(ws.exists('pipelines.yaml')).toBe(false);
    expect(ws.read('stages/hello.ts')).toBe('export const mine = 1;\n');
  });

  it('appends .runner/ to an existing .gitignore once, however often it runs', async () => {
    ws = new Workspace();
    ws.write('.gitignore', 'node_modules/\ndist');
    const first = await ws.run(['init']);
    expect(first.stdout).toContain('added .runner/ to .gitignore\n');
    await ws.run(['init', '--force']);
    await ws.run(['init', '--force']);
    expect(ws.read('.gitignore')).toBe('node_modules/\ndist\n.runner/\n');
  });

  it('leaves a .gitignore that already ignores the state directory as it is', async () => {
    ws = new Workspace();
    ws.write('.gitignore', '/.runner\n');
    const init = await ws.run(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe('created pipelines.yaml\ncreated stages/hello.ts\nnext: runner exec hello\n');
    expect(ws.read('.gitignore')).toBe('/.runner\n');
  });

  it('writes into the directory given by -C, and says how to run from here', async () => {
    ws = new Workspace();
    const init = await ws.run(['-C', 'project', 'init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('next: runner -C project exec hello\n');
    expect(ws.exists('project/pipelines.yaml')).toBe(true);
    expect(ws.read('project/.gitignore')).toBe('.runner/\n');
    const run = await ws.run(['-C', 'project', 'exec', 'hello', '--json']);
    expect(run.code, run.stderr).toBe(0);
  });

  it('writes the pipelines file named by -f, and says how to run it', async () => {
    ws = new Workspace();
    const init = await ws.run(['-C', 'project', '-f', 'flow.yaml', 'init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('created project/flow.yaml\n');
    expect(init.stdout).toContain('next: runner -C project -f flow.yaml exec hello\n');
    const run = await ws.run(['-C', 'project', '-f', 'flow.yaml', 'exec', 'hello', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(outcomes(run.events)).toEqual({ count: 'ran', summary: 'ran', show: 'ran' });
  });
});
