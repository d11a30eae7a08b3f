// Bundles the CLI into dist/cli.cjs with esbuild. One CommonJS file, so
// bin/runner.cjs can load it through vm.Script with a V8 code cache (ESM has
// no public code-cache API on Node 20); modules reached only through
// `await import()` (YAML parser, schema compiler, stores) are bundled as
// lazily evaluated sections, so a no-op run never runs their top level.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const isDebug = process.env.RUNNER_BUILD_DEBUG === '1';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
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
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts', worker: 'src/engine/map/worker-entry.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
});
