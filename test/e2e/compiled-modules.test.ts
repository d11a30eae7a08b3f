import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomes, stageEnd, Workspace } from './rig.js';

// TypeScript stage modules are compiled into .runner/modules/ and imported by
// Node itself. Each stage reports the file its code is running from, as V8
// sees it before source maps: a compiled file, or the .ts itself under tsx.
const RUNNING_FILE = `
function runningFile(): string {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_error, frames) => frames[0]?.getFileName();
  const file = new Error().stack as unknown as string;
  Error.prepareStackTrace = prepare;
  return file;
}
`;

const PIPELINE = [
  'version: 1',
  'pipelines:',
  '  p:',
  '    stages:',
  '      probe: { run: stages/probe.ts#probe }',
  '      items: { run: stages/probe.ts#items }',
  '      square: { run: stages/square.ts#square, foreach: items, isolate: worker, batchSize: 2 }',
  '      collect: { run: stages/probe.ts#collect, needs: [square] }',
  '',
].join('\n');

const PROBE = `
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helper } from './lib/helper.js';
import data from './data.json' with { type: 'json' };
import { version } from 'fake-pkg';
import { build } from 'dual';
${RUNNING_FILE}
export function probe(ctx: { workspace: { resolve(p: string): string } }): void {
  const seen = { helper: helper(), data, version, build, file: fileURLToPath(import.meta.url), dirname: import.meta.dirname, running: runningFile() };
  fs.writeFileSync(ctx.workspace.resolve('probe.json'), JSON.stringify(seen));
}
export function items(): { n: number }[] {
  return [1, 2, 3, 4, 5].map((n) => ({ n }));
}
export async function collect(ctx: { upstream(name: string): AsyncIterable<unknown>; workspace: { resolve(p: string): string } }): Promise<void> {
  const seen: unknown[] = [];
  for await (const record of ctx.upstream('square')) seen.push(record);
  fs.writeFileSync(ctx.workspace.resolve('squares.json'), JSON.stringify(seen));
}
`;

const SQUARE = `
import { helper } from './lib/helper.js';
${RUNNING_FILE}
export function square(item: { n: number }): { n: number; square: number; helper: number; running: string } {
  return { n: item.n, square: item.n * item.n, helper: helper(), running: runningFile() };
}
`;

function esmWorkspace(): Workspace {
  const ws = new Workspace();
  ws.write('package.json', JSON.stringify({ name: 'ws', type: 'module' }));
  ws.write('pipelines.yaml', PIPELINE);
  ws.write('stages/probe.ts', PROBE);
  ws.write('stages/square.ts', SQUARE);
  ws.write('stages/lib/helper.ts', 'export const helper = (): number => 42;\n');
  ws.write('stages/data.json', '{"a":1}\n');
  ws.write(
    'node_modules/fake-pkg/package.json',
    JSON.stringify({ name: 'fake-pkg', version: '1.0.0', main: 'index.js' }),
  );
  ws.write('node_modules/fake-pkg/index.js', "exports.version = '1.0.0';\n");
  writeDualPackage(ws);
  return ws;
}

/** A package with an ES module build and a CommonJS one: which one loads depends on import or require. */
function writeDualPackage(ws: Workspace): void {
  const exports = { '.': { import: './esm.mjs', require: './cjs.cjs' } };
  ws.write('node_modules/dual/package.json', JSON.stringify({ name: 'dual', version: '1.0.0', exports }));
  ws.write('node_modules/dual/esm.mjs', "export const build = 'esm';\n");
  ws.write('node_modules/dual/cjs.cjs', "exports.build = 'cjs';\n");
}

function compiledFiles(ws: Workspace): Record<string, string> {
  const dir = ws.path('.runner', 'modules');
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));
}

describe('TypeScript stage modules compiled for Node', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('run from .runner/modules in the main thread and in worker threads, naming their sources', async () => {
    ws = esmWorkspace();
    const result = await ws.run(['exec', 'p', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const real = fs.realpathSync(ws.dir);
    const probe = JSON.parse(ws.read('probe.json'));
    expect(probe).toMatchObject({
      helper: 42,
      data: { a: 1 },
      version: '1.0.0',
      build: 'esm',
      file: path.join(real, 'stages', 'probe.ts'),
      dirname: path.join(real, 'stages'),
    });
    expect(probe.running).toMatch(new RegExp(`^file://${real}/\\.runner/modules/probe-[0-9a-f]{16}\\.mjs$`));
    const squares = JSON.parse(ws.read('squares.json')) as { n: number; square: number; running: string }[];
    expect(squares.map((s) => [s.n, s.square])).toEqual([
      [1, 1],
      [2, 4],
      [3, 9],
      [4, 16],
      [5, 25],
    ]);
    for (const s of squares) expect(s.running).toMatch(/\/\.runner\/modules\/square-[0-9a-f]{16}\.mjs$/);
    expect(Object.keys(compiledFiles(ws)).sort()).toEqual([
      expect.stringMatching(/^helper-/),
      expect.stringMatching(/^probe-/),
      expect.stringMatching(/^square-/),
    ]);
  });

  it('a cold run compiles each file once, in the main thread: its worker threads load what it compiled', async () => {
    ws = esmWorkspace();
    // `gate` holds the run's one job slot until the test writes to its pipe. A
    // worker-thread map never waits for a slot to load its module, so had its
    // workers compiled it themselves, its compiled file would appear while
    // the gate is shut; the test opens it once the file is there. `items`,
    // a task, runs after the gate: had nothing compiled it ahead, the main
    // thread would then start an esbuild service of its own.
    ws.write(
      'pipelines.yaml',
      [
        'version: 1',
        'pipelines:',
        '  p:',
        '    stages:',
        '      gate: { shell: "cat gate.fifo > /dev/null" }',
        '      items: { run: stages/probe.ts#items }',
        '      size: { run: stages/size.ts#size, foreach: { files: ["data/*.txt"] }, isolate: worker, batchSize: 1 }',
        '',
      ].join('\n'),
    );
    ws.write(
      'stages/size.ts',
      "import { helper } from './lib/helper.js';\nexport const size = (item: { path: string }): unknown => ({ path: item.path, helper: helper() });\n",
    );
    ws.write('data/a.txt', 'a\n');
    ws.write('data/b.txt', 'b\n');
    execFileSync('mkfifo', [ws.path('gate.fifo')]);
    // Sources older than the racy window, so that each thread trusts the stamps another wrote.
    const past = new Date(Date.now() - 60_000);
    const backdate = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) backdate(file);
        fs.utimesSync(file, past, past);
      }
      fs.utimesSync(dir, past, past);
    };
    backdate(ws.dir);
    // The real esbuild, through a script that notes each start of its service (one per thread that compiles).
    const esbuild = createRequire(createRequire(import.meta.url).resolve('esbuild')).resolve(
      `@esbuild/${process.platform}-${process.arch}/bin/esbuild`,
    );
    const starts = ws.path('esbuild-starts.log');
    ws.write('esbuild.sh', `#!/bin/sh\necho start >> '${starts}'\nexec '${esbuild}' "$@"\n`);
    fs.chmodSync(ws.path('esbuild.sh'), 0o755);
    let hasEnded = false;
    const run = ws
      .run(['exec', 'p', '--jobs', '1', '--json'], { env: { ESBUILD_BINARY_PATH: ws.path('esbuild.sh') } })
      .finally(() => {
        hasEnded = true;
      });
    const compiledSize = (): boolean =>
      fs.existsSync(ws.path('.runner', 'modules')) &&
      fs.readdirSync(ws.path('.runner', 'modules')).some((name) => name.startsWith('size-'));
    while (!compiledSize() && !hasEnded) await new Promise((resolve) => setTimeout(resolve, 10));
    // Opening the pipe waits for its reader: only while the run is there to read it.
    if (!hasEnded) fs.writeFileSync(ws.path('gate.fifo'), 'open\n');
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(outcomes(result.events)).toEqual({ gate: 'ran', items: 'ran', size: 'ran' });
    expect(ws.read('esbuild-starts.log')).toBe('start\n');
  });

  it('compile again what an edit changed: a source, an imported module, a JSON module, a package', async () => {
    ws = esmWorkspace();
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const first = compiledFiles(ws);

    ws.write('stages/lib/helper.ts', 'export const helper = (): number => 43;\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).helper).toBe(43);
    expect(JSON.parse(ws.read('squares.json'))[0].helper).toBe(43);
    const second = compiledFiles(ws);
    const changed = Object.keys(first).filter((name) => first[name] !== second[name]);
    // Only the edited module: its importers name it by its path, which did not change.
    expect(changed).toEqual([expect.stringMatching(/^helper-/)]);

    ws.write('stages/data.json', '{"a":2}\n');
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).data).toEqual({ a: 2 });

    ws.write(
      'node_modules/fake-pkg/package.json',
      JSON.stringify({ name: 'fake-pkg', version: '2.0.0', main: 'v2.js' }),
    );
    ws.write('node_modules/fake-pkg/v2.js', "exports.version = '2.0.0';\n");
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).version).toBe('2.0.0');

    // A damaged compiled file has no stamp that holds: it is compiled again.
    const probeFile = Object.keys(compiledFiles(ws)).find((name) => name.startsWith('probe-')) as string;
    fs.writeFileSync(
      ws.path('.runner', 'modules', probeFile),
      'export function probe() { throw new Error("stale"); }\n',
    );
    const forced = await ws.run(['exec', 'p', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).version).toBe('2.0.0');
  });

  it('compile again after a run whose stamp was racy: a JSON module rewritten in the same mtime tick, same size', async () => {
    ws = esmWorkspace();
    // Its mtime as close to the compile as a write in the same tick would leave it (ahead of the clock: always racy).
    const tick = new Date(Date.now() + 60_000);
    fs.utimesSync(ws.path('stages/data.json'), tick, tick);
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).data).toEqual({ a: 1 });
    // New content, the same size and mtime: only a stamp that did not trust that mtime sees it.
    ws.write('stages/data.json', '{"a":3}\n');
    fs.utimesSync(ws.path('stages/data.json'), tick, tick);
    const again = await ws.run(['exec', 'p', '--force']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).data).toEqual({ a: 3 });
  });

  it('`runner cache prune` removes the compiled files of sources that were moved or deleted, and no others', async () => {
    ws = esmWorkspace();
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    // helper.ts moves to util.ts; its old compiled file has no source left.
    fs.renameSync(ws.path('stages', 'lib', 'helper.ts'), ws.path('stages', 'lib', 'util.ts'));
    for (const file of ['stages/probe.ts', 'stages/square.ts'])
      ws.write(file, ws.read(file).replace("'./lib/helper.js'", "'./lib/util.js'"));
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    const before = Object.keys(compiledFiles(ws)).sort();
    expect(before.filter((name) => /^(helper|util)-/.test(name))).toHaveLength(2);

    const pruned = await ws.run(['cache', 'prune']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('and 1 compiled modules whose source is gone');
    expect(Object.keys(compiledFiles(ws)).sort()).toEqual(before.filter((name) => !name.startsWith('helper-')));
    // What is left still serves the next run, all of it cached.
    const again = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(again.events)).toEqual({ probe: 'cached', items: 'cached', square: 'cached', collect: 'cached' });
    expect((await ws.run(['cache', 'prune'])).stdout).not.toContain('compiled modules');
  });

  it('compiles CommonJS where Node would: __dirname and __filename name the source, packages resolve as required', async () => {
    ws = new Workspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      t: { run: t.ts#t }\n');
    ws.write(
      't.ts',
      `import fs from 'node:fs';\nimport { helper } from './helper';\nimport { build } from 'dual';\n${RUNNING_FILE}\nexport function t(ctx: { workspace: { resolve(p: string): string } }): void {\n  fs.writeFileSync(ctx.workspace.resolve('t.json'), JSON.stringify({ helper: helper(), build, dirname: __dirname, filename: __filename, running: runningFile() }));\n}\n`,
    );
    ws.write('helper.ts', 'export function helper(): string { return "cjs"; }\n');
    writeDualPackage(ws);
    const result = await ws.run(['exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
    const real = fs.realpathSync(ws.dir);
    const seen = JSON.parse(ws.read('t.json'));
    // The CommonJS build of a dual package, as tsx loads it in CommonJS mode (a require, not an import).
    expect(seen).toMatchObject({ helper: 'cjs', build: 'cjs', dirname: real, filename: path.join(real, 't.ts') });
    expect(seen.running).toMatch(new RegExp(`^${real}/\\.runner/modules/t-[0-9a-f]{16}\\.cjs$`));
  });

  it('leaves to tsx what it does not model, such as import.meta.resolve', async () => {
    ws = esmWorkspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      r: { run: stages/r.ts#r }\n');
    ws.write(
      'stages/r.ts',
      `import fs from 'node:fs';\n${RUNNING_FILE}\nexport function r(ctx: { workspace: { resolve(p: string): string } }): void {\n  fs.writeFileSync(ctx.workspace.resolve('r.json'), JSON.stringify({ resolved: import.meta.resolve('./lib/helper.js'), running: runningFile() }));\n}\n`,
    );
    const result = await ws.run(['exec', 'p']);
    expect(result.code, result.stderr).toBe(0);
    const real = fs.realpathSync(ws.dir);
    const seen = JSON.parse(ws.read('r.json'));
    // tsx's answer (with its namespace): the module was loaded by tsx, not compiled.
    expect(seen.resolved).toContain(`file://${real}/stages/lib/helper.`);
    expect(seen.running).not.toContain('.runner/modules');
    expect(Object.keys(compiledFiles(ws))).toEqual([]);
  });

  it('compile again an importer whose import now resolves to a new file, or back to the old one', async () => {
    ws = esmWorkspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      s: { run: stages/s.ts#s }\n');
    ws.write(
      'stages/s.ts',
      "import fs from 'node:fs';\nimport { which } from './extra';\nexport function s(ctx: { workspace: { resolve(p: string): string } }): void {\n  fs.writeFileSync(ctx.workspace.resolve('s.json'), JSON.stringify(which));\n}\n",
    );
    ws.write('stages/extra/index.ts', "export const which = 'directory';\n");
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(JSON.parse(ws.read('s.json'))).toBe('directory');

    // './extra' now names a file, which comes before the directory: the stage reruns with it.
    ws.write('stages/extra.ts', "export const which = 'file';\n");
    const shadowed = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(shadowed.events)).toEqual({ s: 'ran' });
    expect(JSON.parse(ws.read('s.json'))).toBe('file');

    // The key is the first run's again (cached); run anyway, the code is the directory's again.
    fs.rmSync(ws.path('stages', 'extra.ts'));
    expect(outcomes((await ws.run(['exec', 'p', '--json'])).events)).toEqual({ s: 'cached' });
    const back = await ws.run(['exec', 'p', '--json', '--force']);
    expect(outcomes(back.events)).toEqual({ s: 'ran' });
    expect(JSON.parse(ws.read('s.json'))).toBe('directory');

    // A new module in the directory it resolved into: esbuild takes index.tsx before index.ts.
    ws.write('stages/extra/index.tsx', "export const which = 'tsx';\n");
    const again = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(again.events)).toEqual({ s: 'ran' });
    expect(JSON.parse(ws.read('s.json'))).toBe('tsx');
  });

  it('compile again an importer when a nearer copy of a package it imports appears', async () => {
    ws = esmWorkspace();
    // stages/node_modules is there already: the package appears in it, stages/ itself does not change.
    ws.write('stages/node_modules/other/package.json', JSON.stringify({ name: 'other', version: '1.0.0' }));
    expect((await ws.run(['exec', 'p'])).code).toBe(0);
    expect(JSON.parse(ws.read('probe.json')).version).toBe('1.0.0');
    // Node resolves 'fake-pkg' from stages/probe.ts in stages/node_modules first.
    ws.write(
      'stages/node_modules/fake-pkg/package.json',
      JSON.stringify({ name: 'fake-pkg', version: '3.0.0', main: 'index.js' }),
    );
    ws.write('stages/node_modules/fake-pkg/index.js', "exports.version = '3.0.0';\n");
    const nearer = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(nearer.events)).toMatchObject({ probe: 'ran' });
    expect(JSON.parse(ws.read('probe.json')).version).toBe('3.0.0');
  });

  it("names the source, not the compiled file, in Node's error", async () => {
    ws = esmWorkspace();
    ws.write('pipelines.yaml', 'version: 1\npipelines:\n  p:\n    stages:\n      e: { run: stages/e.ts#e }\n');
    ws.write('stages/e.ts', "import { nope } from './lib/helper.js';\nexport const e = (): unknown => nope;\n");
    const result = await ws.run(['exec', 'p', '--json']);
    expect(outcomes(result.events)).toEqual({ e: 'failed' });
    const reason = String(stageEnd(result.events, 'e').reason);
    expect(reason).toContain(`${fs.realpathSync(ws.dir)}/stages/lib/helper.ts`);
    expect(reason).toContain('nope');
    expect(reason).not.toContain('.runner/modules');
  });
});
