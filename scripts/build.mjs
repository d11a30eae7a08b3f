// Bundles the CLI into dist/cli.cjs with esbuild. One CommonJS file, so
// bin/runner.cjs can load it through vm.Script with a V8 code cache (ESM has
// no public code-cache API on Node 20); modules reached only through
// `await import()` (YAML parser, schema compiler, stores) are bundled as
// lazily evaluated sections, so a no-op run never runs their top level.
// Then the package's entry point for stage code, the stage API with its
// declarations (scripts/build-api.mjs). `npm pack` builds through `prepare`.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { buildApi } from './build-api.mjs';

/** Imports a TypeScript module of src/ through esbuild (the build runs before tsx is needed). */
async function loadSource(file) {
  const bundled = await build({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    packages: 'external',
    logLevel: 'error',
  });
  const temp = path.resolve(`node_modules/.cache/runner-build-${process.pid}.mjs`);
  mkdirSync(path.dirname(temp), { recursive: true });
  writeFileSync(temp, bundled.outputFiles[0].contents);
  try {
    return await import(pathToFileURL(temp).href);
  } finally {
    rmSync(temp, { force: true });
  }
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const isDebug = process.env.RUNNER_BUILD_DEBUG === '1';
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: !isDebug,
  // Native or self-loading packages stay in node_modules.
  external: [
    'sqlite3',
    '@keyv/sqlite',
    '@keyv/redis',
    '@keyv/postgres',
    'pg',
    'tsx',
    'tsx/*',
    'typescript',
    'playwright-core',
    'cli-progress',
    'chokidar',
    'bullmq',
    'ioredis',
  ],
  define: {
    __RUNNER_VERSION__: JSON.stringify(pkg.version),
    __RUNNER_PACKAGE__: JSON.stringify(pkg.name),
    'import.meta.url': '__runnerImportMetaUrl',
  },
  inject: ['scripts/import-meta-url.cjs'],
  logLevel: 'warning',
};
// The schema validator, compiled now rather than at every slow-path run:
// src/config/schema-validator.ts is swapped for ajv's standalone code.
const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
const { createAjv } = await loadSource('src/config/schema-validator.ts');
const schema = JSON.parse(readFileSync(new URL('../schemas/pipelines.schema.json', import.meta.url), 'utf8'));
const ajv = createAjv({ code: { source: true, esm: true } });
const validatorCode = standaloneCode(ajv, ajv.compile(schema));
const precompiledSchema = {
  name: 'precompiled-schema',
  setup(build) {
    build.onLoad({ filter: /src[\\/]config[\\/]schema-validator\.ts$/ }, () => ({
      contents: validatorCode,
      loader: 'js',
      resolveDir: path.resolve('src/config'),
    }));
  },
};

// commander requires child_process at its top, for executable subcommands,
// which runner has none of: loading it (with net, dgram and the streams)
// cost every run a few milliseconds. Its one use, spawn, requires it then.
const COMMANDER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyCommanderChildProcess = {
  name: 'lazy-commander-child-process',
  setup(build) {
    build.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(COMMANDER_CHILD_PROCESS))
        throw new Error(`${args.path}: no "${COMMANDER_CHILD_PROCESS}" to make lazy (commander changed?)`);
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(COMMANDER_CHILD_PROCESS, lazy), loader: 'js' };
    });
  },
};

// Bundled as CommonJS, every `import fs from 'node:fs'` becomes a copy of
// the builtin with a getter per property (esbuild's __toESM), made when the
// importing module loads: 86 copies of fs, path and os cost every start
// 15 ms. Each builtin is instead imported through one small ES module that
// requires it once and exports it; its own properties are read once into
// named exports. An accessor property (fs.promises, util.TextDecoder) is
// left out, so a named import of one fails this build rather than running
// a getter at every start; use it through the default import. A dynamic
// import() of a builtin goes through the same module, so it needs no ES
// module loader (the daemon's client imports net: 4 ms of its 140).
const builtinRequire = createRequire(import.meta.url);
const oneCopyOfEachBuiltin = {
  name: 'one-copy-of-each-builtin',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'builtin' || args.kind === 'require-call'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const builtin = builtinRequire(args.path);
      const names = Object.keys(builtin).filter((name) => {
        const property = Object.getOwnPropertyDescriptor(builtin, name);
        return /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' && property !== undefined && 'value' in property;
      });
      const contents = [
        `const builtin = require(${JSON.stringify(args.path)});`,
        'export default builtin;',
        names.length > 0 ? `export const { ${names.join(', ')} } = builtin;` : '',
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

const result = await build({
  ...common,
  plugins: [precompiledSchema, lazyCommanderChildProcess, oneCopyOfEachBuiltin],
  entryPoints: { cli: 'src/cli.ts', worker: 'src/engine/map/worker-entry.ts', start: 'src/start.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  write: false,
});
// Each file replaced atomically (temp + rename), never deleted first: a
// runner started during a build sees the old files or the new ones.
for (const file of result.outputFiles) {
  mkdirSync(path.dirname(file.path), { recursive: true });
  const temp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temp, file.contents);
  renameSync(temp, file.path);
}

await buildApi();

// The V8 code cache (see bin/runner.cjs) is made here from a no-op run, the
// path that most needs a fast start: the first run of a small pipeline
// warms a workspace without writing the cache, the second writes it.
await warmCodeCache();

async function warmCodeCache() {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, readdirSync } = await import('node:fs');
  const os = await import('node:os');
  for (const file of readdirSync('dist'))
    if (file.endsWith('.v8cache')) rmSync(path.join('dist', file), { force: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-warm-'));
  try {
    writeFileSync(path.join(dir, 'in.txt'), 'x\n');
    writeFileSync(
      path.join(dir, 'pipelines.yaml'),
      'version: 1\npipelines:\n  warm:\n    stages:\n      a: { shell: "cat in.txt > out.txt", inputs: [in.txt], outputs: [out.txt] }\n      b: { shell: "cat out.txt > out2.txt", needs: [a], inputs: [out.txt], outputs: [out2.txt] }\n',
    );
    const bin = path.resolve('bin/runner.cjs');
    const run = (env) =>
      spawnSync(process.execPath, [bin, 'exec', 'warm'], {
        cwd: dir,
        env: { ...process.env, CI: 'true', RUNNER_DAEMON: '0', ...env },
        stdio: 'ignore',
      });
    run({ RUNNER_CODE_CACHE: 'off' });
    run({});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
