// How the `runner` command starts (bin/runner.cjs calls start()). An `exec`
// in a workspace whose daemon is up is first offered to the daemon, which
// answers runs where every stage is cached and hands the others back.
// Otherwise, or when handed back, the command loads dist/cli.cjs (src/cli.ts)
// through vm.Script with a V8 code cache beside it, which saves most of the
// bundle's compile time on every start; a missing or stale cache only costs
// speed. This module is its own small bundle (dist/start.cjs), so asking
// the daemon loads none of the runner.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { askDaemon, daemonSocketFor } from './daemon/client.js';
import { daemonMayServe } from './daemon/serve-rule.js';

/** `bin`: the command's own file, which a daemon is started with. */
export async function start(bin: string): Promise<void> {
  const bundle = path.join(path.dirname(bin), '..', 'dist', 'cli.cjs');
  const build = buildOf(bundle);
  if (build === undefined) {
    process.stderr.write(
      'runner: dist/cli.cjs is missing; run `npm install` (or `npm run build`) in the runner package\n',
    );
    process.exitCode = 2;
    return;
  }
  // Read by the bundle: how to start a daemon, and which build it is.
  const shared = globalThis as Record<symbol, unknown>;
  shared[Symbol.for('runner.bin')] = bin;
  shared[Symbol.for('runner.build')] = build;
  const argv = process.argv.slice(2);
  const socket = daemonMayServe(argv, process.env) ? daemonSocketFor(process.cwd()) : undefined;
  if (socket !== undefined) {
    const request = {
      argv,
      cwd: process.cwd(),
      env: process.env,
      isTty: process.stderr.isTTY === true,
      columns: process.stderr.columns,
      outColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
      umask: process.umask(),
      build,
    };
    const answer = await askDaemon(socket, request);
    if (answer === true) return;
    // Read by the bundle: run:start says why the daemon handed the run back.
    if (answer !== false) shared[Symbol.for('runner.handedBack')] = answer;
  }
  loadBundle(bundle);
}

/** Which build of runner this is: its bundle's size and mtime. */
function buildOf(bundle: string): string | undefined {
  const st = fs.statSync(bundle, { throwIfNoEntry: false });
  return st ? `${st.size}-${st.mtimeMs}` : undefined;
}

function loadBundle(file: string): void {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.${process.version}.v8cache`;
  let cachedData: Buffer | undefined;
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
  (globalThis as Record<symbol, unknown>)[Symbol.for('runner.import')] = (specifier: string) => import(specifier);
  const module_ = { exports: {}, filename: file, id: file, loaded: false };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module_.exports, Module.createRequire(file), module_, file, path.dirname(file));
}
