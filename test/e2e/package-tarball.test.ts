// The package as a user gets it: `npm pack` in a checkout without dist/ (the
// pack builds it), the tarball installed into a fresh project with
// `npm install`, and there `npx runner` run and stage code importing the
// package type-checked with `npx tsc`.
//
// The install takes the dependencies from npm's cache (this repository's
// `npm ci` put them there) and asks the registry only for what the cache
// lacks. sqlite3's install script downloads a prebuilt binary, which this
// machine cannot: it is handed the binary this repository's install built,
// through prebuild-install's own local-prebuilds setting (in the project's
// .prebuild-installrc), so the script runs as it does for a user, without
// compiling SQLite for a minute.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { outcomes, REPO } from './rig.js';

const SETUP_TIMEOUT_MS = 180_000;
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const versionOf = (name: string): string => pkg.devDependencies[name] ?? pkg.dependencies[name] ?? 'latest';

let tmp: string;
let checkout: string;
let project: string;
let packed: { filename: string; files: { path: string }[]; size: number };

/** The environment without the npm_* variables of an enclosing `npm test`, which would point npm at this repository. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, CI: 'true', NO_COLOR: '1', npm_config_update_notifier: 'false' };
}

function sh(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    env: userEnv(),
    encoding: 'utf8',
    timeout: SETUP_TIMEOUT_MS,
    maxBuffer: 64 << 20,
  });
  const code = result.status;
  return { code, stdout: result.stdout, stderr: result.stderr, text: `${command} ${args.join(' ')}: ${result.stderr}` };
}

/** The files of a checkout: tracked ones, and new ones git does not ignore (so not dist/ or node_modules/). */
function copyCheckout(from: string, to: string): void {
  const listed = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], from);
  expect(listed.code, listed.text).toBe(0);
  for (const file of new Set(listed.stdout.split('\0').filter((f) => f !== ''))) {
    // Deleted files not yet committed are gone; a node_modules symlink (a worktree's) is no source.
    if (!fs.lstatSync(path.join(from, file), { throwIfNoEntry: false })?.isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(to, 'node_modules'));
}

/** A directory holding sqlite3's prebuilt binary under the names its install script looks for. */
function sqlitePrebuilds(): string {
  const sqlite = path.join(REPO, 'node_modules', 'sqlite3');
  const { version, binary } = JSON.parse(fs.readFileSync(path.join(sqlite, 'package.json'), 'utf8')) as {
    version: string;
    binary: { napi_versions: number[] };
  };
  const dir = path.join(tmp, 'prebuilds');
  fs.mkdirSync(dir);
  for (const napi of binary.napi_versions) {
    const name = `sqlite3-v${version}-napi-v${napi}-${process.platform}-${process.arch}.tar.gz`;
    const tar = sh('tar', ['czf', path.join(dir, name), 'build/Release/node_sqlite3.node'], sqlite);
    expect(tar.code, tar.text).toBe(0);
  }
  return dir;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-tarball-'));
  checkout = path.join(tmp, 'checkout');
  copyCheckout(REPO, checkout);
  expect(fs.existsSync(path.join(checkout, 'dist'))).toBe(false);
  const pack = sh('npm', ['pack', '--json', '--pack-destination', tmp], checkout);
  expect(pack.code, pack.text).toBe(0);
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0] as typeof packed;

  project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  expect(sh('npm', ['init', '-y'], project).code).toBe(0);
  fs.writeFileSync(path.join(project, '.prebuild-installrc'), `local-prebuilds=${sqlitePrebuilds()}\n`);
  const install = sh(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      path.join(tmp, packed.filename),
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ],
    project,
  );
  expect(install.code, install.text).toBe(0);
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const npx = (args: string[], cwd = project) => sh('npx', ['--no-install', ...args], cwd);
const events = (stdout: string): RunEvent[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{"event"'))
    .map((line) => JSON.parse(line) as RunEvent);

describe('the package tarball', () => {
  it('holds the built CLI, the stage API with its declarations and the schema; no sources, tests or CI', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const file of [
      'bin/runner.cjs',
      'dist/start.cjs',
      'dist/cli.cjs',
      'dist/worker.cjs',
      'dist/api.js',
      'dist/api.cjs',
      'dist/types/api.d.ts',
      'dist/types/api.d.cts',
      'schemas/pipelines.schema.json',
      'package.json',
      'README.md',
    ])
      expect(files).toContain(file);
    const stray = files.filter((f) =>
      /^(src|test|bench|\.ci|scripts|runners|examples|docs)\/|\.(map|v8cache)$/.test(f),
    );
    expect(stray).toEqual([]);
  });

  it('installs a `runner` command that starts', () => {
    const version = npx(['runner', '--version']);
    expect(version.code, version.text).toBe(0);
    expect(version.stdout).toBe(`${pkg.version}\n`);
  });

  it('runs what `runner init` writes there, all cached the second time, with $schema at the installed schema', () => {
    expect(npx(['runner', 'init']).code).toBe(0);
    const first = npx(['runner', 'exec', 'hello', '--json']);
    expect(first.code, first.text).toBe(0);
    expect(outcomes(events(first.stdout))).toEqual({ count: 'ran', summary: 'ran', show: 'ran' });
    const second = npx(['runner', 'exec', 'hello', '--json']);
    expect(outcomes(events(second.stdout))).toEqual({ count: 'cached', summary: 'cached', show: 'cached' });
    const schema = /\$schema=(\S+)/.exec(fs.readFileSync(path.join(project, 'pipelines.yaml'), 'utf8'))?.[1] ?? '';
    expect(JSON.parse(fs.readFileSync(path.join(project, schema), 'utf8')).title).toBe('runner pipelines.yaml');
  });
});

const API_PIPELINE = `version: 1
pipelines:
  api:
    stages:
      sizes: { run: stages/esm.mts#sizes, foreach: { files: "data/*.txt" } }
      total: { run: stages/esm.mts#total, needs: [sizes] }
      report: { run: stages/cjs.cts#report, needs: [total], outputs: [total.json] }
`;

// ESM: `import` resolves to dist/api.js and dist/types/api.d.ts.
const ESM_STAGES = `import { readFileSync } from 'node:fs';
import { defineMap, defineTask, type FileItem } from '${pkg.name}';

export const sizes = defineMap<FileItem>({
  run: (item, ctx) => ({ path: item.path, bytes: readFileSync(ctx.workspace.resolve(item.path)).length }),
});

export const total = defineTask(async (ctx) => {
  let bytes = 0;
  for await (const record of ctx.upstream('sizes')) bytes += Number(record.bytes);
  return [{ bytes }];
});

// @ts-expect-error a FileItem's path is a string: the declarations are precise, not any
export const wrong = (item: FileItem): string => item.path.toFixed(1);
`;

// CommonJS: \`require\` resolves to dist/api.cjs and dist/types/api.d.cts.
const CJS_STAGES = `import { writeFileSync } from 'node:fs';
import { defineTask } from '${pkg.name}';
import type { StageContext } from '${pkg.name}';

export const report = defineTask(async (ctx: StageContext) => {
  const totals = [];
  for await (const record of ctx.upstream('total')) totals.push(record);
  writeFileSync(ctx.workspace.resolve('total.json'), JSON.stringify(totals));
});
`;

const TSCONFIG = JSON.stringify({
  compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true },
});

describe("the package's stage API in a user's project", () => {
  it('runs stage modules importing it, as ESM and as CommonJS', () => {
    const dir = path.join(project, 'api');
    fs.mkdirSync(path.join(dir, 'stages'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'a.txt'), 'abc');
    fs.writeFileSync(path.join(dir, 'data', 'b.txt'), 'hello');
    fs.writeFileSync(path.join(dir, 'pipelines.yaml'), API_PIPELINE);
    fs.writeFileSync(path.join(dir, 'stages', 'esm.mts'), ESM_STAGES);
    fs.writeFileSync(path.join(dir, 'stages', 'cjs.cts'), CJS_STAGES);
    const run = npx(['runner', 'exec', 'api', '--json'], dir);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(outcomes(events(run.stdout))).toEqual({ sizes: 'ran', total: 'ran', report: 'ran' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'total.json'), 'utf8'))).toEqual([{ bytes: 8 }]);
  });

  it('type-checks `import { defineMap, type FileItem }` and the module `runner init` writes, with `npx tsc`', () => {
    const dir = path.join(project, 'typed');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), TSCONFIG);
    fs.writeFileSync(path.join(dir, 'esm.mts'), ESM_STAGES);
    fs.writeFileSync(path.join(dir, 'cjs.cts'), CJS_STAGES);
    expect(npx(['runner', '-C', 'typed', 'init']).code).toBe(0);
    const tsc = npx(['tsc', '--noEmit', '-p', '.'], dir);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});
