// The package's entry point (`import { defineMap } from 'dag-runner-cli'`):
// src/api.ts as dist/api.js (ESM) and dist/api.cjs (CommonJS), and its
// declarations, emitted by tsc, as dist/types/api.d.ts for `import` and an
// identical api.d.cts for `require` (the API has no imports of its own, so
// one text serves both module kinds).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export async function buildApi() {
  for (const [format, outfile] of [
    ['esm', 'dist/api.js'],
    ['cjs', 'dist/api.cjs'],
  ]) {
    const result = await build({
      entryPoints: ['src/api.ts'],
      outfile,
      format,
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'warning',
    });
    for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  }
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.api.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.api.json failed (above): no declarations for src/api.ts');
  copyFileSync('dist/types/api.d.ts', 'dist/types/api.d.cts');
}

// Replaced, never deleted first: a runner started during a build sees the old file or the new one.
function writeAtomically(file, contents) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
}
