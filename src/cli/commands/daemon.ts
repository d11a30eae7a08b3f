// `runner daemon start|stop|status`: the resident process that answers
// no-op runs (src/daemon/server.ts). `exec` starts one by itself after a
// no-op run in a process of its own, unless RUNNER_DAEMON=0, or CI is set
// and RUNNER_DAEMON=1 is not (src/daemon/serve-rule.ts).
import fs from 'node:fs';
import path from 'node:path';
import { daemonPaths, readDaemonInfo } from '../../daemon/paths.js';
import type { DaemonInfo } from '../../daemon/paths.js';
import { isDaemonWanted } from '../../daemon/serve-rule.js';
import { childProcess } from '../../util/builtins.js';
import { isProcessAlive } from '../../util/process.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { configFile } from '../load.js';
import { runnerBin } from './watch-cycle.js';
import type { GlobalOptions } from '../load.js';
import type { Rehearsal } from '../../daemon/served-io.js';

const BUILD = Symbol.for('runner.build');
/** Set by startDaemonIfWanted for the daemon it starts: the no-op command line it rehearses (JSON). */
const REHEARSE_VAR = 'RUNNER_DAEMON_REHEARSE';
const HANDED_BACK = Symbol.for('runner.handedBack');

/** Why the daemon handed this command's run back (set by src/start.ts), if it did. */
export function handedBackWhy(): string | undefined {
  const why = (globalThis as Record<symbol, unknown>)[HANDED_BACK];
  return typeof why === 'string' ? why : undefined;
}
/** Which build of runner this is (set by src/start.ts; 'source' when run from the sources). */
export function buildOf(): string {
  return String((globalThis as Record<symbol, unknown>)[BUILD] ?? 'source');
}

/** A Unix socket path longer than this does not fit sockaddr_un everywhere. */
const MAX_SOCKET_PATH = 100;

export async function daemonCommand(
  io: CliIo,
  global: GlobalOptions,
  action: 'start' | 'stop' | 'status',
  main: (io: CliIo) => Promise<number>,
): Promise<number> {
  const root = path.dirname(configFile(io, global));
  const { info } = daemonPaths(root);
  const running = liveDaemon(info);
  if (action === 'status') {
    io.stdout(
      running
        ? `daemon pid ${running.pid}, serving ${root} since ${running.startedAt}${running.readyAt ? '' : ' (warming up)'}\n`
        : `no daemon serves ${root}\n`,
    );
    return EXIT.ok;
  }
  if (action === 'stop') {
    if (!running) {
      io.stdout(`no daemon serves ${root}\n`);
      return EXIT.ok;
    }
    process.kill(running.pid, 'SIGTERM');
    for (let waited = 0; waited < 5000 && isProcessAlive(running.pid); waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    io.stdout(`stopped the daemon (pid ${running.pid})\n`);
    return EXIT.ok;
  }
  const build = buildOf();
  // The server (net, streams, the hasher's thread) loads only in the daemon's process.
  const { serveWorkspace } = await import('../../daemon/server.js');
  const isServing = await serveWorkspace({ root, build, main, rehearse: rehearsalOf(io.env) });
  if (!isServing) io.stderr(`runner: a daemon already serves ${root}\n`);
  return EXIT.ok;
}

/**
 * After a no-op run in a process of its own: starts a daemon for the
 * workspace (detached, output ignored) when none runs and the environment
 * wants one.
 */
export function startDaemonIfWanted(io: CliIo, root: string): void {
  if (!isDaemonWanted(io.env)) return;
  const bin = runnerBin();
  const { socket, info } = daemonPaths(root);
  if (bin === undefined || socket.length > MAX_SOCKET_PATH || liveDaemon(info)) return;
  try {
    const child = childProcess().spawn(process.execPath, [bin, 'daemon', 'start'], {
      cwd: root,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [REHEARSE_VAR]: JSON.stringify({ argv: io.argv, cwd: io.cwd }) },
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No daemon: runs go on in processes of their own.
  }
}

/** The no-op command the daemon was started after (REHEARSE_VAR), in the environment it had, if the variable is sound. */
function rehearsalOf(env: CliIo['env']): Rehearsal | undefined {
  const { [REHEARSE_VAR]: text, ...rest } = env;
  if (text === undefined) return undefined;
  try {
    const { argv, cwd } = JSON.parse(text) as { argv?: unknown; cwd?: unknown };
    const isArgv = Array.isArray(argv) && argv.every((arg) => typeof arg === 'string');
    return isArgv && typeof cwd === 'string' ? { argv, cwd, env: rest } : undefined;
  } catch {
    return undefined;
  }
}

function liveDaemon(info: string): DaemonInfo | undefined {
  const found = readDaemonInfo(info);
  if (!found) return undefined;
  if (isProcessAlive(found.pid)) return found;
  fs.rmSync(info, { force: true });
  return undefined;
}
