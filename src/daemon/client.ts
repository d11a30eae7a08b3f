// The command's side of the daemon (the server is server.ts): finds the
// daemon of the workspace the command runs in and offers it the command.
// Wire protocol: one JSON object per line; the command sends the request,
// later `{ signal }`; the daemon answers with `{ o }` and `{ e }` frames
// (stdout, stderr), then `{ exit }`, or `{ defer }` to run it yourself.
import fs from 'node:fs';
import path from 'node:path';
import { cancellingLine, EXIT, exitAfter, quietOnClosedPipe } from '../cli/io.js';
import { findConfig } from '../config/find.js';
import type { DaemonFrame, DaemonRequest } from './protocol.js';

/** The socket of the daemon of the workspace `cwd` is in (where the CLI finds pipelines.yaml), if there is one. */
export function daemonSocketFor(cwd: string): string | undefined {
  const config = findConfig({ cwd });
  if (config === undefined) return undefined;
  const socket = path.join(path.dirname(config), '.runner', 'daemon.sock');
  return fs.existsSync(socket) ? socket : undefined;
}

/**
 * Offers the command to the daemon: true when it ran it (its output went to
 * our stdout and stderr, its exit code is process.exitCode), else why it
 * handed it back (or false: it is gone): then the command runs here.
 */
export async function askDaemon(socket: string, request: DaemonRequest): Promise<true | string | false> {
  // Loaded only when a daemon's socket is there: a run without one never needs net.
  const net = await import('node:net');
  return new Promise((resolve) => {
    const connection = net.connect(socket);
    let isSettled = false;
    let hasOutput = false;
    let pending = '';
    let lastSignal: NodeJS.Signals | undefined;
    // As the command's own process does (cli.ts): the first signal cancels the run, the second quits at once
    // (the daemon then cancels the run, the command being gone).
    const onSignal = (signal: NodeJS.Signals): void => {
      if (lastSignal !== undefined) process.exit(exitAfter(EXIT.interrupted, signal));
      lastSignal = signal;
      if (hasOutput) process.stderr.write(cancellingLine(signal));
      connection.write(`${JSON.stringify({ signal })}\n`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // `runner exec --json | head`: as in the command's own process.
    process.stdout.on('error', quietOnClosedPipe);
    process.stderr.on('error', quietOnClosedPipe);
    const settle = (answer: true | string | false): void => {
      if (isSettled) return;
      isSettled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Answered, its output may still be on its way out: a closed pipe stays quiet until the process exits.
      if (answer !== true) {
        process.stdout.off('error', quietOnClosedPipe);
        process.stderr.off('error', quietOnClosedPipe);
        connection.destroy();
      }
      resolve(answer);
    };
    // Gone after it wrote something: the run cannot be started again here.
    const lost = (): boolean => {
      if (!hasOutput) return false;
      process.stderr.write(
        'runner: the daemon stopped in the middle of the run; run the command again: it goes on from the work the run finished\n',
      );
      process.exitCode = 1;
      return true;
    };
    connection.on('connect', () => connection.write(`${JSON.stringify(request)}\n`));
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline !== -1 && !isSettled; newline = pending.indexOf('\n')) {
        let frame: DaemonFrame;
        try {
          frame = JSON.parse(pending.slice(0, newline)) as DaemonFrame;
        } catch {
          settle(lost());
          return;
        }
        pending = pending.slice(newline + 1);
        if ('o' in frame) process.stdout.write(frame.o);
        else if ('e' in frame) process.stderr.write(frame.e);
        else if ('exit' in frame) {
          process.exitCode = exitAfter(frame.exit, lastSignal);
          settle(true);
        } else if ('defer' in frame) settle(frame.defer);
        hasOutput = hasOutput || 'o' in frame || 'e' in frame;
      }
    });
    // A daemon gone before saying anything (stale socket, stopped): run here.
    const onEnd = (): void => {
      if (!isSettled) settle(lost());
    };
    connection.on('error', onEnd);
    connection.on('close', onEnd);
  });
}
