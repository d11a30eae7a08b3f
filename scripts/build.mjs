// Bundles the CLI into dist/cli.cjs with esbuild. One CommonJS file, so
// bin/runner.cjs can load it through vm.Script with a V8 code cache (ESM has
// no public code-cache API on Node 20); modules reached only through
// `await import()` (YAML parser, schema compiler, stores) are bundled as
// lazily evaluated sections, so a no-op run never runs their top level.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

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
  external: ['sqlite3', '@keyv/sqlite', '@keyv/redis', 'tsx', 'tsx/*', 'typescript', 'playwright-core', 'cli-progress', 'chokidar'],
  define: { __RUNNER_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__runnerImportMetaUrl' },
  inject: ['scripts/import-meta-url.cjs'],
  logLevel: 'warning',
};
const result = await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts', worker: 'src/engine/map/worker-entry.ts' },
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
