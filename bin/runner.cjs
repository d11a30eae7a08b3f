#!/usr/bin/env node
// The `runner` command. Loads dist/cli.cjs (built by `npm install`) through
// vm.Script with a V8 code cache next to it, which saves most of the bundle's
// compile time on every start. A missing or stale cache only costs speed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
let source;
try {
  source = fs.readFileSync(file, 'utf8');
} catch {
  process.stderr.write('runner: dist/cli.cjs is missing; run `npm install` (or `npm run build`) in the runner package\n');
  process.exit(2);
}
const cacheFile = `${file}.${process.version}.v8cache`;
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
// RUNNER_CODE_CACHE=off never writes one (the build uses it to warm a workspace first).
const mayWrite = process.env.RUNNER_CODE_CACHE !== 'off';
if (mayWrite && (cachedData === undefined || script.cachedDataRejected)) {
  // Written at exit, so the functions this run compiled are in the cache too.
  process.once('exit', () => {
    try {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(temp, script.createCachedData());
      fs.renameSync(temp, cacheFile);
    } catch {
      // read-only install: run without a cache
    }
  });
}
// Code in a vm.Script has no import() loader; lend it ours (src/util/require.ts).
globalThis[Symbol.for('runner.import')] = (specifier) => import(specifier);
const module_ = { exports: {}, filename: file, id: file, loaded: false };
script.runInThisContext()(module_.exports, Module.createRequire(file), module_, file, path.dirname(file));
