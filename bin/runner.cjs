#!/usr/bin/env node
// The `runner` command: dist/start.cjs (built from src/start.ts by `npm install`) asks the workspace's daemon, else runs the CLI.
'use strict';
let start;
try {
  start = require('../dist/start.cjs').start;
} catch {
  process.stderr.write(
    'runner: dist/start.cjs is missing; run `npm install` (or `npm run build`) in the runner package\n',
  );
  process.exit(2);
}
start(__filename);
