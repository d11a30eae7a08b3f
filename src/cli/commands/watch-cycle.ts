// One `--watch` cycle in a runner process of its own. Stage code is imported
// once per process, so in one long-lived process a run module edited between
// cycles would keep running as first loaded while its key (which hashes the
// file) says it changed, and that stale result would be cached. A fresh
// process per cycle costs its start-up (about 0.15 s) and always runs the
// code its key hashed, inline, in workers and in child processes alike.
import { childProcess } from '../../util/builtins.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { withoutShort } from '../short-options.js';

const BIN = Symbol.for('runner.bin');

/** The `runner` command's file when this process was started by it; undefined when the CLI runs in-process. */
export function runnerBin(): string | undefined {
  const bin = (globalThis as Record<symbol, unknown>)[BIN];
  return typeof bin === 'string' ? bin : undefined;
}

/**
 * Runs the command line without `--watch` in a child runner that writes to
 * this process's stdout and stderr. Ctrl-C reaches the child once, through
 * this process (the child has a process group of its own, so a terminal's
 * Ctrl-C does not reach it twice and make it quit without cleaning up).
 */
export function runCycleInChild(io: CliIo, bin: string): Promise<number> {
  // `-kw` runs as `-k`: a cycle that kept the w would be a watch itself, and start another.
  const argv = io.argv.flatMap((arg) => (arg === '--watch' ? [] : (withoutShort(arg, 'w') ?? [])));
  const child = childProcess().spawn(process.execPath, [bin, ...argv], {
    cwd: io.cwd,
    // A cycle follows a change, so a daemon would hand it back: not worth the round trip.
    env: { ...io.env, RUNNER_DAEMON: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const interrupt = (): void => void child.kill('SIGINT');
  const killOnExit = (): void => void child.kill('SIGKILL');
  io.signal?.addEventListener('abort', interrupt, { once: true });
  process.on('exit', killOnExit);
  return new Promise((resolve) => {
    const done = (code: number): void => {
      io.signal?.removeEventListener('abort', interrupt);
      process.off('exit', killOnExit);
      resolve(code);
    };
    child.on('error', (error) => {
      io.stderr(`runner: watch: cannot start a run: ${error.message}\n`);
      done(EXIT.failed);
    });
    child.on('close', (code, signal) => done(code ?? (signal === 'SIGINT' ? EXIT.interrupted : EXIT.failed)));
  });
}
