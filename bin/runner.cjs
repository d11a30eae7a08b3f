#!/usr/bin/env node
// The `runner` command. An `exec` in a workspace whose daemon is up is first
// offered to the daemon (src/daemon/server.ts), which answers runs where
// every stage is cached and hands the others back. Otherwise, or when handed
// back, it loads dist/cli.cjs (built by `npm install`) through vm.Script
// with a V8 code cache next to it, which saves most of the bundle's compile
// time on every start. A missing or stale cache only costs speed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
const args = process.argv.slice(2);

let build;
try {
  const stat = fs.statSync(file);
  build = `${stat.size}-${stat.mtimeMs}`;
} catch {
  process.stderr.write(
    'runner: dist/cli.cjs is missing; run `npm install` (or `npm run build`) in the runner package\n',
  );
  process.exit(2);
}
// Read by the bundle: how to start a daemon, and which build it is.
globalThis[Symbol.for('runner.bin')] = __filename;
globalThis[Symbol.for('runner.build')] = build;

const socket = wantsDaemon() ? daemonSocket() : undefined;
if (socket !== undefined) {
  askDaemon().then((isAnswered) => {
    if (!isAnswered) loadBundle();
  });
} else {
  loadBundle();
}

/**
 * A plain `exec` here (the flags that always run in a process of their own
 * are not worth a round trip), with the daemon not turned off (RUNNER_DAEMON=0,
 * or CI without RUNNER_DAEMON=1).
 */
function wantsDaemon() {
  if (
    args[0] !== 'exec' ||
    args.some((arg) => /^(-C|-f|-w)|^--(dir|file|watch|force|dry-run|no-cache|report)(=|$)/.test(arg))
  )
    return false;
  const wanted = process.env.RUNNER_DAEMON;
  const ci = process.env.CI;
  const isCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return wanted !== '0' && (wanted === '1' || !isCi);
}

/**
 * The daemon's socket of the workspace this command runs in (the nearest
 * directory upward with a pipelines.yaml, as the CLI finds it), if it is up.
 */
function daemonSocket() {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'pipelines.yaml')) || fs.existsSync(path.join(dir, 'pipelines.yml'))) {
      const found = path.join(dir, '.runner', 'daemon.sock');
      return fs.existsSync(found) ? found : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Resolves true when the daemon ran the command (its output and exit code are ours), false to run it here. */
function askDaemon() {
  const net = require('node:net');
  return new Promise((resolve) => {
    const connection = net.connect(socket);
    let isSettled = false;
    let hasOutput = false;
    let pending = '';
    const onSignal = (signal) => connection.write(`${JSON.stringify({ signal })}\n`);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const settle = (isAnswered) => {
      if (isSettled) return;
      isSettled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (!isAnswered) connection.destroy();
      resolve(isAnswered);
    };
    connection.on('connect', () => {
      const request = {
        argv: args,
        cwd: process.cwd(),
        env: process.env,
        isTty: process.stderr.isTTY === true,
        columns: process.stderr.columns,
        build,
      };
      connection.write(`${JSON.stringify(request)}\n`);
    });
    connection.setEncoding('utf8');
    connection.on('data', (chunk) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline !== -1 && !isSettled; newline = pending.indexOf('\n')) {
        let frame;
        try {
          frame = JSON.parse(pending.slice(0, newline));
        } catch {
          settle(hasOutput && fail());
          return;
        }
        pending = pending.slice(newline + 1);
        if (typeof frame.o === 'string') process.stdout.write(frame.o);
        else if (typeof frame.e === 'string') process.stderr.write(frame.e);
        else if (typeof frame.exit === 'number') {
          process.exitCode = frame.exit;
          settle(true);
        } else if (typeof frame.defer === 'string') settle(false);
        hasOutput = hasOutput || typeof frame.o === 'string' || typeof frame.e === 'string';
      }
    });
    // A daemon gone before saying anything (stale socket, stopped): run here.
    const onEnd = () => {
      if (!isSettled) settle(hasOutput && fail());
    };
    connection.on('error', onEnd);
    connection.on('close', onEnd);
  });

  function fail() {
    process.stderr.write('runner: the daemon stopped in the middle of the run\n');
    process.exitCode = 1;
    return true;
  }
}

function loadBundle() {
  const vm = require('node:vm');
  const Module = require('node:module');
  const source = fs.readFileSync(file, 'utf8');
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
}
