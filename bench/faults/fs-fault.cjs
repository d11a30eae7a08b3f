// Loaded with `node --require` into the runner by kill-points.ts: counts the
// runner's filesystem writes on its main thread (create, rename, link,
// remove) and SIGKILLs its own process just before the one numbered
// RUNNER_FAULT_AT, so a kill lands between any two writes, not only
// between two events. RUNNER_FAULT_COUNT=file writes the count at exit
// instead (a clean run's, to choose the points from).
'use strict';
const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const at = Number(process.env.RUNNER_FAULT_AT ?? 0);
const countFile = process.env.RUNNER_FAULT_COUNT;
// RUNNER_FAULT_TRACE=file: each write, numbered, with its call and path (to see what a point stops).
const traceFile = process.env.RUNNER_FAULT_TRACE;
// Only the runner's own process: not its stage processes (isolate: process) or shell commands.
const isRunner = isMainThread && /runner\.cjs$/.test(process.argv[1] ?? '');
if (isRunner && (at > 0 || countFile || traceFile)) {
  delete process.env.RUNNER_FAULT_AT;
  delete process.env.RUNNER_FAULT_COUNT;
  delete process.env.RUNNER_FAULT_TRACE;
  const trace = [];
  let n = 0;
  const step = (name, target) => {
    n++;
    if (traceFile) trace.push(`${n} ${name} ${String(target)}`);
    if (n === at) process.kill(process.pid, 'SIGKILL');
  };
  const SYNC = [
    'writeFileSync',
    'renameSync',
    'linkSync',
    'rmSync',
    'unlinkSync',
    'rmdirSync',
    'copyFileSync',
    'openSync',
    'appendFileSync',
    'mkdirSync',
  ];
  const ASYNC = ['writeFile', 'rename', 'link', 'rm', 'unlink', 'copyFile', 'open', 'appendFile'];
  for (const name of SYNC) {
    const original = fs[name];
    fs[name] = function (...args) {
      // openSync for reading is not a write.
      if (name !== 'openSync' || (args[1] !== undefined && args[1] !== 'r' && args[1] !== 0)) step(name, args[0]);
      return original.apply(this, args);
    };
  }
  for (const name of ASYNC) {
    const original = fs.promises[name];
    fs.promises[name] = function (...args) {
      if (name !== 'open' || (args[1] !== undefined && args[1] !== 'r')) step(name, args[0]);
      return original.apply(this, args);
    };
  }
  process.on('exit', () => {
    if (countFile) fs.writeFileSync(countFile, String(n));
    if (traceFile) fs.writeFileSync(traceFile, `${trace.join('\n')}\n`);
  });
}
